/*
 * The one statement we assemble as text rather than with Prisma.sql, as every other
 * statement is: it runs on the pool directly (not through Prisma), is built once per page
 * plan and reused for every request, takes its three values in fixed slots ($1 parents,
 * $2 page size, $3 cursor), and names only tables and columns from the metadata generated
 * from schema.prisma (./identifiers.ts), never anything a request sent.
 */
import type { ModelName } from '../generated/model-meta';
import { codecOf } from './codecs';
import { columnOf, tableOf, typeOf } from './identifiers';
import type { PagePlan } from './page-plan';

/** Where a parent's children are: a foreign key on the child, or a join table. */
export type ChildSource =
  | { model: ModelName; parentField: string }
  | {
      model: ModelName;
      /** The join table; `orderBy` names a column of it that orders its entries itself (a playlist's positions). */
      through: { model: ModelName; parentField: string; childField: string; orderBy?: string };
    };

/** Whether the join table orders the children: then that column, not the child's id, is their order and cursor. */
export const isOrdered = (source: ChildSource): boolean => 'through' in source && source.through.orderBy !== undefined;

/** Which statement of a plan: its direction and whether it seeks past a cursor. */
export interface PageVariant {
  backward: boolean;
  cursor: unknown;
}

/**
 * The statement reading a page of children for every parent in `$1` (int[]), `$2` rows
 * each, after the id in `$3` when seeking: built once per plan and variant.
 *
 * One LATERAL subquery per parent reads just that parent's page through the index on its
 * foreign key (or the join table's key), so a page costs the rows it returns, not every
 * child of the parent, as ranking whole partitions with a window function would. The page
 * comes back as one JSON array of columns, each the array of that column's values in row
 * order; the columns in this order: the child's, each joined relation's, the parent id (and
 * the join table's order column when it orders the children). By
 * column, PostgreSQL writes each column's JSON in one pass instead of a small array per
 * row, and JSON.parse builds a few long arrays instead of many short.
 */
export function pageStatement(source: ChildSource, plan: PagePlan, page: PageVariant): string {
  const variant = `${page.backward}:${Boolean(page.cursor)}`;
  let sql = plan.sql.get(variant);
  if (sql === undefined) plan.sql.set(variant, (sql = build(source, plan, page)));
  return sql;
}

function build(source: ChildSource, plan: PagePlan, page: PageVariant): string {
  const child = source.model;
  const childId = columnOf(child, 'id');
  const direction = page.backward ? ' DESC' : '';
  const json = (alias: string, model: ModelName, f: string) => codecOf(typeOf(model, f)).toJson(`${alias}.${columnOf(model, f)}`);
  const ordered = isOrdered(source);
  const select = [
    ...plan.own.map((f) => json('c', child, f)),
    ...plan.joined.flatMap(({ model, columns }, i) => columns.map((f) => json(`j${i}`, model, f))),
    'p.parent',
    ...(ordered ? ['r.ord'] : []),
  ];
  // PostgreSQL functions take at most 100 arguments; our widest row has about 20.
  if (select.length > 100) throw new Error(`A page of ${child} would read ${select.length} columns; json_build_array takes at most 100`);
  // Each relation joins the row it hangs from: the child (c), or a relation joined before
  // it, by one primary-key lookup per row. A relation of a relation as a plain join, the
  // planner would hash its whole table (every artist) for a page's few hundred rows;
  // LIMIT 1 keeps that lookup a lookup.
  const joined = plan.joined.map(({ model, parent, via }, i) => {
    const id = columnOf(model, 'id');
    if (parent < 0) return ` LEFT JOIN ${tableOf(model)} j${i} ON j${i}.${id} = c.${columnOf(child, via)}`;
    const from = plan.joined[parent];
    return ` LEFT JOIN LATERAL (SELECT * FROM ${tableOf(model)} WHERE ${id} = j${parent}.${columnOf(from.model, via)} LIMIT 1) j${i} ON true`;
  });
  // The aggregates take their rows in the subquery's order: nothing at their level
  // (no join, no grouping) can reorder them, and one row feeds every column alike.
  return (
    `SELECT json_build_array(${select.map((_, i) => `array_agg(s.c${i})`).join(', ')}) ` +
    `FROM (SELECT ${select.map((expression, i) => `${expression} AS c${i}`).join(', ')} ` +
    `FROM unnest($1::int[]) AS p(parent) ${lateralPage(source, page)}${joined.join('')} ORDER BY p.parent, ${ordered ? 'r.ord' : `c.${childId}`}${direction}) s`
  );
}

/**
 * The statement reading whole `model` rows for every id in `$1` (int[]), in the same form
 * as a page (columns as JSON arrays, the id standing as the parent), so the rows are built
 * as pages' are. Its text is the same for one id or a thousand, so it is prepared once per
 * connection, where Prisma's `IN ($1, …, $n)` was a text per batch size, and unprepared
 * past 32 ids.
 */
export function keyStatement(model: ModelName, plan: PagePlan): string {
  let sql = plan.sql.get('by key');
  if (sql === undefined) {
    const id = columnOf(model, 'id');
    const select = [...plan.own.map((f) => codecOf(typeOf(model, f)).toJson(`c.${columnOf(model, f)}`)), `c.${id}`];
    sql =
      `SELECT json_build_array(${select.map((_, i) => `array_agg(s.c${i})`).join(', ')}) ` +
      `FROM (SELECT ${select.map((expression, i) => `${expression} AS c${i}`).join(', ')} FROM ${tableOf(model)} c WHERE c.${id} = ANY($1::int[])) s`;
    plan.sql.set('by key', sql);
  }
  return sql;
}

// Each parent's page, read through the index on (parent, id) of the child or the join table.
function lateralPage(source: ChildSource, page: PageVariant): string {
  const child = source.model;
  const childId = columnOf(child, 'id');
  const direction = page.backward ? ' DESC' : '';
  const after = page.backward ? '<' : '>';
  if ('through' in source) {
    const { model, parentField, childField, orderBy } = source.through;
    const [parentCol, childCol] = [columnOf(model, parentField), columnOf(model, childField)];
    const orderCol = orderBy ? columnOf(model, orderBy) : childCol;
    const seek = page.cursor ? ` AND ${orderCol} ${after} $3` : '';
    return (
      `CROSS JOIN LATERAL (SELECT ${childCol} AS child${orderBy ? `, ${orderCol} AS ord` : ''} FROM ${tableOf(model)} WHERE ${parentCol} = p.parent${seek} ` +
      `ORDER BY ${orderCol}${direction} LIMIT $2) r JOIN ${tableOf(child)} c ON c.${childId} = r.child`
    );
  }
  const seek = page.cursor ? ` AND ${childId} ${after} $3` : '';
  return `CROSS JOIN LATERAL (SELECT * FROM ${tableOf(child)} WHERE ${columnOf(child, source.parentField)} = p.parent${seek} ORDER BY ${childId}${direction} LIMIT $2) c`;
}
