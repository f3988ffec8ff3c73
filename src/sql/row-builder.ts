import { LRUCache } from 'lru-cache';
import type { ModelName } from '../generated/model-meta';
import { codecOf, codecs } from './codecs';
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

/** Builds a row from row `r` of a JSON page's columns. */
type ColumnsBuilder = (columns: unknown[][], r: number) => PageRow;
/** Builds a row from a plain row's values. */
type ValuesBuilder = (values: unknown[]) => PageRow;

// Clients choose the columns, so the most recently used shapes are kept, up to a cap.
const builders = new LRUCache<string, ColumnsBuilder | ValuesBuilder>({ max: 1000 });

/**
 * Builds a row (and the rows joined to it) from what a statement of ./page-statement.ts
 * read, its values in the order it reads them: from a JSON page's columns, or from a plain
 * row (`plain`). Generated once per shape, as object literals of fixed shape: rows are the
 * hot path of a nested page, and V8 builds literals far faster than objects filled in a
 * loop. Names come from the generated model metadata, never from a request.
 */
export function rowBuilder(child: ModelName, plan: PagePlan, ordered: boolean): ColumnsBuilder;
export function rowBuilder(child: ModelName, plan: PagePlan, ordered: boolean, plain: true): ValuesBuilder;
export function rowBuilder(child: ModelName, plan: PagePlan, ordered: boolean, plain = false): ColumnsBuilder | ValuesBuilder {
  const key = `${child}:${plan.joined.map(({ model, parent }) => `${parent}>${model}`).join(',')}:${plan.shape}:${ordered}:${plain}`;
  let build = builders.get(key);
  if (!build) builders.set(key, (build = compile(child, plan, ordered, plain)));
  return build;
}

function compile(child: ModelName, plan: PagePlan, ordered: boolean, plain: boolean): ColumnsBuilder | ValuesBuilder {
  const at = (i: number) => (plain ? `values[${i}]` : `column[${i}][r]`);
  let index = 0;
  // JSON carries some types as Prisma gives them; text carries only strings so.
  const value = (model: ModelName, f: string) => {
    const i = index++;
    const type = typeOf(model, f);
    const codec = codecOf(type);
    return codec === codecs.String || (codec.inJson && !plain) ? at(i) : `(v = ${at(i)}) === null ? null : codecs.${type}.decode(v)`;
  };
  const literal = (model: ModelName, names: string[]) => `{ ${names.map((f) => `${JSON.stringify(f)}: ${value(model, f)}`).join(', ')} }`;
  const own = literal(child, plan.own);
  // A relation is null when the left join found no row: its id column is null.
  const related = plan.joined.map(({ model, columns }, i) => {
    const id = index + columns.indexOf('id');
    return `const j${i} = ${at(id)} === null ? null : ${literal(model, columns)};`;
  });
  // Each row holds the relations joined to it, by name: the child its own, a relation its.
  const hung = (parent: number) => `{ ${plan.joined.flatMap((j, i) => (j.parent === parent ? [`${JSON.stringify(j.name)}: j${i}`] : [])).join(', ')} }`;
  const nested = plan.joined.flatMap((_, i) => (plan.joined.some((j) => j.parent === i) ? [`if (j${i} !== null) j${i}[JOINED] = ${hung(i)};`] : []));
  const order = ordered ? ` child[ORDER] = +${at(index + 1)};` : '';
  const body = `let v; const child = ${own}; ${related.join(' ')} ${nested.join(' ')} child[PARENT] = +${at(index)};${order} child[JOINED] = ${hung(-1)}; return child;`;
  const params = plain ? 'values' : 'column, r';
  return new Function('JOINED', 'PARENT', 'ORDER', 'codecs', `return (${params}) => { ${body} };`)(JOINED, PARENT, ORDER, codecs) as ColumnsBuilder | ValuesBuilder;
}
