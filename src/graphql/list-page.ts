import type DataLoader from 'dataloader';
import type { ModelName } from '../generated/model-meta';
import type { RequestDb } from '../db/request-db';
import { delegate } from '../db/delegate';
import { fieldsOf, typeOf } from '../sql/identifiers';
import { listStatement, type ListRead } from '../sql/list-statement';
import { pagePlanner, type PagePlan } from '../sql/page-plan';
import { pageArgs, toPage, type ConnectionArgs, type CursorScope, type Page } from './connections';
import type { JoinSelection, NodeSelection } from './lookahead';
import { JOINED, rowBuilder } from '../sql/row-builder';
import { primeJoined, type Join } from '../loaders/child-pages';
import type { Loaders } from '../loaders';

/** Sort order of a top-level list: fields in priority order, the last one unique. */
export interface Sort {
  fields: string[];
  descending?: boolean;
}

// A top-level list is its model in one ordering; its cursors hold that ordering's values.
const listScopes = new Map<string, CursorScope>();
function listScope(model: ModelName, sort: Sort): CursorScope {
  const name = `${model}(${sort.fields.join(',')}${sort.descending ? ' desc' : ''})`;
  let scope = listScopes.get(name);
  if (!scope) listScopes.set(name, (scope = { name, types: sort.fields.map((f) => typeOf(model, f)) }));
  return scope;
}

/** The to-one relations a list's statement may read, those the client selected on its rows, and the loaders they prime. */
export interface ListJoins {
  joins: Readonly<Record<string, Join>>;
  selected: readonly JoinSelection[];
  loaders: Loaders;
}

/**
 * A top-level list filtered by `where`, in `sort` order, paged by keyset. Its rows are read
 * whole, by our own statement (../sql/list-statement.ts), or by Prisma for a filter that
 * statement does not write. Selected to-one relations of `related` ride in the list's own
 * statement, as they do in a child page's.
 */
export async function listPage<Row extends { id: number }>(
  db: RequestDb,
  model: ModelName,
  where: Record<string, unknown>,
  sort: Sort,
  args: ConnectionArgs,
  /** The model's by-id loader, primed with the page's rows. */
  byId?: DataLoader<number, Row | null>,
  related?: ListJoins,
): Promise<Page<Row>> {
  const page = pageArgs(args, listScope(model, sort));
  const descending = Boolean(sort.descending) !== page.backward;
  const read: ListRead = { where, fields: sort.fields, descending, after: page.cursor, limit: page.size + 1 };
  const rows = page.size === 0 ? [] : ((await ownRows(db, model, read, related, byId)) ?? (await prismaRows(db, model, read, byId)));
  const sortKey = (row: Row) => sort.fields.map((field) => (row as Record<string, unknown>)[field]);
  return toPage(rows as Row[], page, sortKey, () => db.run((prisma) => delegate(prisma, model).count({ where })));
}

// Whole rows with the relations selected of `related` joined, planned once per model and
// selection (selections are shared by every request of an operation's field).
interface ListPlanner {
  planFor: (select: NodeSelection) => PagePlan;
  selections: WeakMap<readonly JoinSelection[], NodeSelection>;
}
const planners = new Map<string, ListPlanner>();
const NO_JOINS: readonly JoinSelection[] = [];
function listPlan(model: ModelName, related: ListJoins | undefined): PagePlan {
  const key = `${model}:${related ? 'joined' : 'bare'}`;
  let planner = planners.get(key);
  if (!planner) planners.set(key, (planner = { planFor: pagePlanner(model, related?.joins ?? {}), selections: new WeakMap() }));
  const joins = related?.selected ?? NO_JOINS;
  let select = planner.selections.get(joins);
  if (!select) planner.selections.set(joins, (select = { fields: fieldsOf(model), joins }));
  return planner.planFor(select);
}

async function ownRows(db: RequestDb, model: ModelName, read: ListRead, related: ListJoins | undefined, byId: Loader | undefined): Promise<object[] | undefined> {
  const plan = listPlan(model, related);
  const statement = listStatement(model, plan, read);
  if (!statement) return undefined;
  const build = rowBuilder(model, plan, false, true);
  const rows = (await db.rows(statement.sql, statement.params)).map(build);
  if (related) primeJoined(rows, plan, related.joins, related.loaders);
  // A row is read whole, but may carry relations read in part, which a later lookup by id
  // must not take for whole: it is primed without them then, to read them itself.
  if (byId) for (const row of rows) byId.prime(row.id as number, plan.whole ? row : { ...row, [JOINED]: undefined });
  return rows;
}

type Loader = DataLoader<number, any>;

// The list by Prisma, for a filter our statement does not write (a relation filter, such
// as an employee's customers). Its relations are then read by their loaders.
async function prismaRows(db: RequestDb, model: ModelName, { where, fields, descending, after, limit }: ListRead, byId: Loader | undefined): Promise<object[]> {
  const seek = after ? keyset(fields, after, descending ? 'lt' : 'gt') : undefined;
  const rows = (await db.run((prisma) =>
    delegate(prisma, model).findMany({
      where: seek ? { AND: [where, seek] } : where,
      orderBy: fields.map((field) => ({ [field]: descending ? 'desc' : 'asc' })),
      take: limit,
    }),
  )) as Array<{ id: number }>;
  if (byId) for (const row of rows) byId.prime(row.id, row);
  return rows;
}

// Rows strictly beyond `values` in (f1, f2, …) order: f1 ⋛ v1 OR (f1 = v1 AND f2 ⋛ v2) …
function keyset(fields: readonly string[], values: readonly unknown[], op: 'gt' | 'lt'): Record<string, unknown> {
  return {
    OR: fields.map((field, i) => ({
      ...Object.fromEntries(fields.slice(0, i).map((f, j) => [f, values[j]])),
      [field]: { [op]: values[i] },
    })),
  };
}
