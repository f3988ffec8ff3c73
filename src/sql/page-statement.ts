/*
 * The statements we assemble as text rather than with Prisma.sql, as every other
 * statement is: pages and rows by id. They run on the pool directly (through Prisma only
 * inside a transaction, on its connection), are built once per plan and reused for every
 * request, take their values in fixed slots (a page's $1 parents, $2 page size, $3
 * cursor; a lookup's $1 ids), and name only tables and columns from the metadata generated
 * from schema.prisma (./identifiers.ts), never anything a request sent.
 *
 * Each is prepared once per connection, and written so that PostgreSQL plans it once too.
 * A prepared statement is planned afresh at every run (a custom plan) for as long as
 * the plan for its values looks cheaper than the plan for any values (the generic one);
 * with the values in sight, the parent array's length and the page size always made it
 * look so, and planning cost these statements more than running them. So the values are
 * read through sub-selects, `(SELECT $1::int[])`, which the planner does not look into:
 * both plans see the same estimates, and after five runs PostgreSQL keeps the generic one.
 * A plan made blind to the values must still cost a page its rows, not its tables, so
 * each parent's page is read by a LATERAL subquery of its own, its relations joined
 * inside it, before its LIMIT: the planner sizes those joins for one page and looks each
 * related row up by its index, stopping at the page's last row. Joined over every
 * parent's rows at once, a generic plan hashed the whole album table for a page of 210
 * rows, or (joined through LIMIT 1 lookups) cached lookups that never repeat (Memoize).
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

// The values of a page statement, read so the planner does not see them (see above).
const PARENTS = '(SELECT $1::int[])';
const SIZE = '(SELECT $2::int)';
const CURSOR = '(SELECT $3::int)';

// Each column named for its place: a track's album_id and its album's would otherwise
// share a name, and rows that come through Prisma (in a transaction) as objects lose one.
export const aliased = (select: string[]) => select.map((expression, i) => `${expression} AS c${i}`).join(', ');

/** Which statement of a plan: its direction and whether it seeks past a cursor. */
export interface PageVariant {
  backward: boolean;
  cursor: unknown;
}

/**
 * The statement reading a page of children for every parent in `$1` (int[]), `$2` rows
 * each, after `$3` when seeking (the id, or the join table's position where that orders
 * the children): built once per plan and variant.
 *
 * One LATERAL subquery per parent reads just that parent's page through the index on its
 * foreign key (or the join table's key), so a page costs the rows it returns, not every
 * child of the parent, as ranking whole partitions with a window function would. The page
 * comes back as one JSON array of columns, each the array of that column's values in row
 * order; the columns in this order: the child's, each joined relation's, the parent id (and
 * the join table's order column when it orders the children). By column, PostgreSQL
 * writes each column's JSON in one pass instead of a small array per row, and JSON.parse
 * builds a few long arrays instead of many short. Plain rows cost PostgreSQL about 10%
 * less but Node two to three times as much: pg decodes every row and value on its own.
 */
export function pageStatement(source: ChildSource, plan: PagePlan, page: PageVariant): string {
  const variant = `${page.backward}:${Boolean(page.cursor)}`;
  let sql = plan.sql.get(variant);
  if (sql === undefined) plan.sql.set(variant, (sql = build(source, plan, page)));
  return sql;
}

/**
 * A page of each row's own children read inside the page (or the row) they hang from, as
 * one more column of it: the page, as {@link pageStatement} reads one, for that row alone.
 * Its size is the statement's value after the outer page's (`$3`, or `$4` after a cursor);
 * it seeks past no cursor (a cursor is one parent's).
 */
export interface NestedPage {
  source: ChildSource;
  plan: PagePlan;
  backward: boolean;
  /** Which nested page, among a plan's statements. */
  shape: string;
}

/** Where in a page statement's columns the nested page is: after the row's, the parent id and any order column. */
export const nestedColumn = (source: ChildSource, plan: PagePlan): number => plan.own.length + plan.joined.reduce((n, j) => n + j.columns.length, 0) + 1 + (isOrdered(source) ? 1 : 0);

/**
 * What a statement of `plan` reads of each row, in the order ./row-builder.ts takes it: the
 * row's own columns (of `c`), then each joined relation's (of `j0`, `j1`, …).
 */
export function rowColumns(model: ModelName, plan: PagePlan): string[] {
  const read = (alias: string, of: ModelName, f: string) => codecOf(typeOf(of, f)).select(`${alias}.${columnOf(of, f)}`);
  return [...plan.own.map((f) => read('c', model, f)), ...plan.joined.flatMap(({ model: of, columns }, i) => columns.map((f) => read(`j${i}`, of, f)))];
}

/** The LEFT JOINs of `plan`'s relations: each joins the row it hangs from, `c` or a relation joined before it. */
export function joinClauses(model: ModelName, plan: PagePlan): string {
  return plan.joined
    .map(({ model: of, parent, via }, i) => {
      const [alias, from] = parent < 0 ? ['c', model] : [`j${parent}`, plan.joined[parent].model];
      return ` LEFT JOIN ${tableOf(of)} j${i} ON j${i}.${columnOf(of, 'id')} = ${alias}.${columnOf(from, via)}`;
    })
    .join('');
}

// The parents a page statement reads pages for: every id of $1, or (beside its parent row) one.
const EVERY_PARENT = `unnest(${PARENTS}) AS p(parent)`;

interface BuildOptions {
  /** The parents' ids, as a FROM item `p(parent)`: every id of $1 unless given. */
  parents?: string;
  /** The page size's placeholder: $2 unless given. */
  size?: string;
  nested?: NestedPage;
}

function build(source: ChildSource, plan: PagePlan, page: PageVariant, { parents = EVERY_PARENT, size = SIZE, nested }: BuildOptions = {}): string {
  const child = source.model;
  const direction = page.backward ? ' DESC' : '';
  const rows = pageRows(source, page);
  const select = [...rowColumns(child, plan), 'p.parent', ...(isOrdered(source) ? [rows.order] : [])];
  if (nested) {
    // Its own aliases (c, p, x…) shadow ours inside it; only its parent id is read from our row.
    const inner = { parents: `(VALUES (c.${columnOf(child, 'id')})) AS p(parent)`, size: `(SELECT $${page.cursor ? 4 : 3}::int)` };
    select.push(`(${build(nested.source, nested.plan, { backward: nested.backward, cursor: undefined }, inner)})`);
  }
  // PostgreSQL functions take at most 100 arguments; our widest row has about 20.
  if (select.length > 100) throw new Error(`A page of ${child} would read ${select.length} columns; json_build_array takes at most 100`);
  // The aggregates take the rows as the nested loop over the parents yields them: each
  // parent's page whole, in its own order (the LATERAL's ORDER BY), one row feeding every
  // column alike. Node groups them by parent. Sorting them all again, by parent and
  // order, cost PostgreSQL a fifth of the statement and bought nothing.
  return (
    `SELECT json_build_array(${select.map((_, i) => `array_agg(x.c${i})`).join(', ')}) ` +
    `FROM ${parents} ` +
    `CROSS JOIN LATERAL (SELECT ${aliased(select)} FROM ${rows.from}${joinClauses(child, plan)} WHERE ${rows.where} ORDER BY ${rows.order}${direction} LIMIT ${size}) x`
  );
}

/**
 * The statement reading whole `model` rows by id, with the columns in a page's order (the
 * id standing as the parent), so the rows are built as pages' are: for one id in `$1`
 * (int) when `single`, else for every id in `$1` (int[]). It returns plain rows, which for
 * the few rows of a lookup cost both PostgreSQL and Node less than JSON. Its text is the
 * same for two ids or a thousand, so it is prepared once per connection, where Prisma's
 * `IN ($1, …, $n)` was a text per batch size, and unprepared past 32 ids. One id, the
 * commonest batch (a lookup by id), gets a plain `=`, which costs PostgreSQL less than an
 * array.
 */
export function keyStatement(model: ModelName, plan: PagePlan, single: boolean): string {
  const variant = single ? 'by key' : 'by keys';
  let sql = plan.sql.get(variant);
  if (sql === undefined) {
    const id = columnOf(model, 'id');
    const select = [...rowColumns(model, plan), `c.${id}`];
    // The cast keeps `ANY ((SELECT …))` an array, not a subquery whose rows are compared.
    sql = `SELECT ${aliased(select)} FROM ${tableOf(model)} c WHERE c.${id} = ${single ? '$1' : `ANY(${PARENTS}::int[])`}`;
    plan.sql.set(variant, sql);
  }
  return sql;
}

/**
 * The statement reading one `parent` row by id (`$1`, int), as {@link keyStatement} reads
 * it, and beside it, in one more column, its page of `source` children as
 * {@link pageStatement} reads pages (`$2` rows, after `$3` when seeking): a row and the
 * connection selected on it in one round trip instead of two. No row, no page.
 */
export function keyWithPageStatement(parent: ModelName, parentPlan: PagePlan, source: ChildSource, plan: PagePlan, page: PageVariant, nested?: NestedPage): string {
  const variant = `beside ${parent}:${page.backward}:${Boolean(page.cursor)}${nested ? `|${nested.shape}` : ''}`;
  let sql = plan.sql.get(variant);
  if (sql === undefined) {
    const id = `k.c${rowColumns(parent, parentPlan).length}`;
    sql = `SELECT k.*, (${build(source, plan, page, { parents: `(VALUES (${id})) AS p(parent)`, nested })}) AS page FROM (${keyStatement(parent, parentPlan, true)}) k`;
    plan.sql.set(variant, sql);
  }
  return sql;
}

// Where one parent's rows are read from (the child as `c`), which are its, and their order:
// through the index on (parent, id) of the child, or on the join table's (parent, order).
function pageRows(source: ChildSource, page: PageVariant): { from: string; where: string; order: string } {
  const child = source.model;
  const after = page.backward ? '<' : '>';
  const seek = (order: string) => (page.cursor ? ` AND ${order} ${after} ${CURSOR}` : '');
  if ('through' in source) {
    const { model, parentField, childField, orderBy } = source.through;
    const order = `r.${columnOf(model, orderBy ?? childField)}`;
    return {
      from: `${tableOf(model)} r JOIN ${tableOf(child)} c ON c.${columnOf(child, 'id')} = r.${columnOf(model, childField)}`,
      where: `r.${columnOf(model, parentField)} = p.parent${seek(order)}`,
      order,
    };
  }
  const order = `c.${columnOf(child, 'id')}`;
  return { from: `${tableOf(child)} c`, where: `c.${columnOf(child, source.parentField)} = p.parent${seek(order)}`, order };
}
