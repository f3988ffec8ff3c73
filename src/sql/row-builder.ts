import { LRUCache } from 'lru-cache';
import type { ModelName } from '../generated/model-meta';
import { codecs } from './codecs';
import { typeOf } from './identifiers';
import type { PagePlan } from './page-plan';

/** On a row read by a page: the rows joined to it, by relation name (see {@link joinedRow}). */
export const JOINED = Symbol('joined');
/** On a row read by a page: the id of the parent whose page it is on. */
export const PARENT = Symbol('parent');
/** On a row read by a page whose join table orders it: its place in that order. */
export const ORDER = Symbol('order');

/** A row of a page, with what the page read beside it. */
export type PageRow = Record<string, unknown> & { [JOINED]: Record<string, Record<string, unknown> | null>; [PARENT]: number; [ORDER]?: number };

/**
 * The `name` relation read together with `child` by a join: the related row, `null`
 * when the child has none, or `undefined` when it was not joined. Resolvers return it
 * as is, so the executor completes the field without a promise.
 */
export function joinedRow<T>(child: object, name: string): T | null | undefined {
  return (child as { [JOINED]?: Record<string, T | null> })[JOINED]?.[name];
}

type RowBuilder = (columns: unknown[][], r: number) => PageRow;

// Clients choose the columns, so the most recently used shapes are kept, up to a cap.
const builders = new LRUCache<string, RowBuilder>({ max: 1000 });

/**
 * Builds a row (and the rows joined to it) from row `r` of a page's columns, in the
 * order ./page-statement.ts reads them. Generated once per shape, as object literals of
 * fixed shape: rows are the hot path of a nested page, and V8 builds literals far faster
 * than objects filled in a loop. Names come from the generated model metadata, never
 * from a request.
 */
export function rowBuilder(child: ModelName, plan: PagePlan, ordered: boolean): RowBuilder {
  const key = `${child}:${plan.joined.map(({ model, parent }) => `${parent}>${model}`).join(',')}:${plan.shape}:${ordered}`;
  let build = builders.get(key);
  if (!build) builders.set(key, (build = compile(child, plan, ordered)));
  return build;
}

function compile(child: ModelName, plan: PagePlan, ordered: boolean): RowBuilder {
  let index = 0;
  const value = (model: ModelName, f: string) => {
    const i = index++;
    const type = typeOf(model, f);
    return codecs[type]?.fromJson ? `(v = column[${i}][r]) === null ? null : codecs.${type}.fromJson(v)` : `column[${i}][r]`;
  };
  const literal = (model: ModelName, names: string[]) => `{ ${names.map((f) => `${JSON.stringify(f)}: ${value(model, f)}`).join(', ')} }`;
  const own = literal(child, plan.own);
  // A relation is null when the left join found no row: its id column is null.
  const related = plan.joined.map(({ model, columns }, i) => {
    const id = index + columns.indexOf('id');
    return `const j${i} = column[${id}][r] === null ? null : ${literal(model, columns)};`;
  });
  // Each row holds the relations joined to it, by name: the child its own, a relation its.
  const hung = (parent: number) => `{ ${plan.joined.flatMap((j, i) => (j.parent === parent ? [`${JSON.stringify(j.name)}: j${i}`] : [])).join(', ')} }`;
  const nested = plan.joined.flatMap((_, i) => (plan.joined.some((j) => j.parent === i) ? [`if (j${i} !== null) j${i}[JOINED] = ${hung(i)};`] : []));
  const order = ordered ? ` child[ORDER] = column[${index + 1}][r];` : '';
  const body = `let v; const child = ${own}; ${related.join(' ')} ${nested.join(' ')} child[PARENT] = column[${index}][r];${order} child[JOINED] = ${hung(-1)}; return child;`;
  return new Function('JOINED', 'PARENT', 'ORDER', 'codecs', `return (column, r) => { ${body} };`)(JOINED, PARENT, ORDER, codecs) as RowBuilder;
}
