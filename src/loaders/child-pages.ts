import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import type { ModelName } from '../generated/model-meta';
import { pageArgs, pageShape, toPage, type ConnectionArgs, type CursorScope, type Page, type PageArgs } from '../graphql/connections';
import { selectionOnNodes, type Joinable, type NodeSelection } from '../graphql/lookahead';
import { pagePlanner, type JoinSpec, type PagePlan, type PlannedJoin } from '../sql/page-plan';
import { isOrdered, keyWithPageStatement, nestedColumn, pageStatement, type ChildSource, type NestedPage } from '../sql/page-statement';
import { wholeRow } from './by-key';
import { JOINED, ORDER, PARENT, rowBuilder, type PageRow } from '../sql/row-builder';
import { fieldsOf } from '../sql/identifiers';
import { badUserInput } from '../errors';
import { groupBy, loaderOptions, recordBatch, type LoaderSite } from './batch';
import type { ByIdName, Loaders, PageName } from './index';

/** A key of a to-many loader: whose children, which page of them, and what of them to read. */
export interface ChildPageKey {
  parentId: number;
  page: PageArgs;
  /**
   * What the client selected on the children: the page reads those columns (with the
   * id and the foreign keys of selected relations) and the selected to-one relations it
   * can join. Without it, the page reads every column and joins nothing.
   */
  select?: NodeSelection;
  /** A page of each child's own children read inside the same statement: only beside a row looked up by id (see ./page-lookahead.ts). */
  nested?: NestedKey;
}

/**
 * The connections of a page's rows that the page may read inside its own statement, each
 * row's page as one more column: field → the page loader it is read by, and what its rows
 * may join (as the field's own resolver passes them to {@link childPage}). Only a page read
 * beside its one parent row does: for a page over many parents, a small JSON page per row
 * cost PostgreSQL and Node more than one more statement reading them all by column
 * (20 customers' invoices with their lines: PostgreSQL CPU +28 to +45%, req/s −20%).
 */
export type Nests = Readonly<Record<string, readonly [PageName, Joinable?]>>;

/** Which page of each child's children a page reads inside it, and what of their rows. */
export interface NestedKey {
  loader: PageName;
  page: PageArgs;
  select: NodeSelection;
}

// Child pages run by id; the list is the field they are read through (Album.tracks), and
// a cursor holds the parent's id beside the child's, so it serves only that parent's list.
const childScopes = new Map<string, CursorScope>();
/** The cursor scope of the connection field `info` resolves (Album.tracks). */
export function childScope(info: GraphQLResolveInfo): CursorScope {
  const name = `${info.parentType.name}.${info.fieldName}`;
  let scope = childScopes.get(name);
  if (!scope) childScopes.set(name, (scope = { name, types: ['Int', 'Int'] }));
  return scope;
}

/**
 * The key a connection field's resolver loads: its arguments checked, its selection looked ahead.
 * @throws BAD_USER_INPUT for a cursor of another parent's list
 */
export function childPage(parentId: number, args: ConnectionArgs, info: GraphQLResolveInfo, joinable?: Joinable): ChildPageKey {
  const scope = childScope(info);
  let page = pageArgs(args, scope);
  if (page.cursor) {
    const argument = page.backward ? 'before' : 'after';
    if (page.cursor[0] !== parentId) throw badUserInput(argument, `${argument} must be a cursor returned by this list (${scope.name} of ${parentId}), but it is of another ${info.parentType.name}'s`);
    page = { ...page, cursor: page.cursor.slice(1) };
  }
  return { parentId, page, select: selectionOnNodes(info, joinable) };
}

/**
 * A to-one relation that can be read by a join and primed into a by-id loader of a
 * request (named, so the relation is described once for every request), with those of
 * its row.
 */
export interface Join extends JoinSpec {
  byId: ByIdName;
  joins?: Readonly<Record<string, Join>>;
}

/** A loader of child pages, which can also read a parent row and one page of its children in one statement. */
export type PageLoader<Row> = DataLoader<ChildPageKey, Page<Row>, string> & {
  /**
   * Reads the `parent` row `key.parentId` and, in the same statement, the page `key` asks
   * for (see ./page-lookahead.ts); primes `parentById` with the row and this loader with
   * the page, so a row and the connection selected on it cost one round trip, not two.
   * @returns the row, or null when there is none
   */
  withParent<P>(parent: ModelName, key: ChildPageKey, parentById: DataLoader<number, P | null>): Promise<P | null>;
  /** How another page's statement reads `key`'s page of each of its rows inside it. */
  nestedIn(key: NestedKey): NestedPage;
  /** Primes the pages `key` read inside another page: for each of `parentIds`, its page's columns. */
  primeNested(key: NestedKey, parentIds: readonly number[], pages: readonly unknown[]): void;
};

// A row to read with a page of its children beside it (PageLoader.withParent).
interface Beside {
  parent: ModelName;
  key: ChildPageKey;
  parentById: DataLoader<number, unknown>;
}

/** Where a parent's children are, and the to-one relations a page of them may read in its own statement. */
export type Children = ChildSource & { joins?: Readonly<Record<string, Join>> };

type Joined = { id: number; [JOINED]?: Record<string, Joined | null> };

const isWhole = ({ model, columns }: PlannedJoin) => columns.length === fieldsOf(model).length;
const isBelow = (inner: PlannedJoin, outer: PlannedJoin) => inner.path.length > outer.path.length && outer.path.every((name, i) => inner.path[i] === name);

/**
 * Rows joined whole are primed into their by-id loaders, so later lookups cost nothing; a
 * row carrying a part-read row joined to it is not, since a resolver would take that part.
 */
export function primeJoined(rows: PageRow[], plan: PagePlan, joins: Readonly<Record<string, Join>>, loaders: Loaders): void {
  for (const join of plan.joined) {
    if (!isWhole(join) || !plan.joined.every((other) => !isBelow(other, join) || isWhole(other))) continue;
    const { path } = join;
    let spec: Join = { joins } as Join;
    for (const name of path) spec = spec.joins![name];
    const loader = loaders[spec.byId] as DataLoader<number, unknown>;
    for (const row of rows) {
      let other: Joined | null | undefined = row as unknown as Joined;
      for (const name of path) other = other?.[JOINED]?.[name];
      if (other) loader.prime(other.id, other);
    }
  }
}

/**
 * Pages of child rows per parent, ordered by the child's id (or by the join table's own
 * order column, which is then the cursor). All parents asking for the
 * same page shape are served by one statement that reads each parent's page on its own,
 * so "the first 10 tracks of each of 50 albums" reads at most 50 × 11 rows, whatever the
 * albums hold.
 */
export function pageByParent<Row extends { id: number }>(
  { db, style, name, loaders }: LoaderSite & { loaders: Loaders },
  children: Children,
  count: () => DataLoader<number, number>,
  /** The child's by-id loader, primed with every row read whole. */
  byId?: () => DataLoader<number, Row | null>,
): PageLoader<Row> {
  const child: ModelName = children.model;
  // Without joins, each relation is read on its own, as a resolver without loaders would.
  const joins = style.joins ? (children.joins ?? {}) : {};
  const planFor = pagePlanner(child, joins);
  const ordered = isOrdered(children);
  // A cursor holds the parent and the row's place: its id, or its place in the join table's order.
  const sortKey = (parentId: number) => (ordered ? (row: Row & PageRow) => [parentId, row[ORDER]] : (row: Row & PageRow) => [parentId, row.id]);
  const nestedLoader = (key: NestedKey) => loaders[key.loader] as PageLoader<unknown>;
  const shapeOf = (key: ChildPageKey) => `${pageShape(key.page)}|${planFor(key.select).shape}`;
  const cacheKey = (key: ChildPageKey) => `${key.parentId}|${shapeOf(key)}`;

  // The pages of `group` (keys of one shape) from a page statement's columns, whole rows primed.
  const pagesFrom = (columns: unknown[][], plan: PagePlan, group: ChildPageKey[], pages: Map<string, Page<Row>>, nested?: NestedKey): void => {
    const build = rowBuilder(child, plan, ordered);
    // With no rows, every column is null (array_agg of nothing).
    const rows = new Array<PageRow>(columns[0]?.length ?? 0);
    for (let r = 0; r < rows.length; r++) rows[r] = build(columns, r);
    primeJoined(rows, plan, joins, loaders);
    const cache = plan.whole ? byId?.() : undefined;
    if (cache) for (const row of rows) cache.prime(row.id as number, row as unknown as Row);
    const byParent = groupBy(rows as unknown as Array<Row & PageRow>, (row) => row[PARENT]);
    for (const key of group) {
      pages.set(cacheKey(key), toPage(byParent.get(key.parentId) ?? [], key.page, sortKey(key.parentId), () => count().load(key.parentId)));
    }
    // Each row's own page, when the statement read it inside this one: primed for the field's resolver to find.
    if (nested && rows.length > 0) nestedLoader(nested).primeNested(nested, rows.map((row) => row.id as number), columns[nestedColumn(children, plan)]);
  };

  // One statement for the parents of keys that share a shape: their pages, by parent.
  const readGroup = async (group: ChildPageKey[], pages: Map<string, Page<Row>>) => {
    const { page, select } = group[0];
    const plan = planFor(select);
    const params: unknown[] = [[...new Set(group.map((k) => k.parentId))], page.size + 1];
    if (page.cursor) params.push(Number(page.cursor[0]));
    const columns = page.size === 0 ? [] : await db.columns(pageStatement(children, plan, page), params);
    pagesFrom(columns, plan, group, pages);
  };

  const loader = new DataLoader<ChildPageKey, Page<Row>, string>(
    async (keys) => {
      recordBatch(db, name, keys.length);
      const pages = new Map<string, Page<Row>>();
      // Keys of one level share their page shape; group anyway so any mix is correct.
      await Promise.all([...groupBy(keys, shapeOf).values()].map((group) => readGroup(group, pages)));
      return keys.map((key) => pages.get(cacheKey(key))!);
    },
    loaderOptions(name, style, cacheKey),
  );

  // One row with its page beside it, in one statement.
  const readBeside = async ({ parent, key, parentById }: Beside): Promise<unknown> => {
    recordBatch(db, name, 1);
    const plan = planFor(key.select);
    const parentPlan = wholeRow(parent);
    const params: unknown[] = [key.parentId, key.page.size + 1];
    if (key.page.cursor) params.push(Number(key.page.cursor[0]));
    const { nested } = key;
    if (nested) params.push(nested.page.size + 1);
    const [values] = await db.rows(keyWithPageStatement(parent, parentPlan, children, plan, key.page, nested && nestedLoader(nested).nestedIn(nested)), params);
    const row = values ? rowBuilder(parent, parentPlan, false, true)(values) : null;
    parentById.prime(key.parentId, row);
    if (!values) return null;
    // As text from the pool, as JSON from Prisma in a transaction.
    const page = values[values.length - 1];
    const pages = new Map<string, Page<Row>>();
    pagesFrom((typeof page === 'string' ? JSON.parse(page) : page) as unknown[][], plan, [key], pages, nested);
    loader.prime(key, pages.get(cacheKey(key))!);
    return row;
  };

  // Rows looked up with a page beside them, per tick: one alone is read in one statement;
  // several (aliased lookups) as without, their rows in one statement and their pages in
  // one per shape, rather than one statement each.
  const besides = new DataLoader<Beside, unknown, string>(
    async (keys) => {
      if (keys.length === 1) return [await readBeside(keys[0])];
      const [rows] = await Promise.all([keys[0].parentById.loadMany(keys.map((k) => k.key.parentId)), loader.loadMany(keys.map((k) => k.key))]);
      return rows;
    },
    loaderOptions(`${name} beside`, style, (beside: Beside) => cacheKey(beside.key)),
  );
  const withParent = <P>(parent: ModelName, key: ChildPageKey, parentById: DataLoader<number, P | null>) =>
    besides.load({ parent, key, parentById: parentById as DataLoader<number, unknown> }) as Promise<P | null>;

  const nestedIn = (key: NestedKey): NestedPage => {
    const plan = planFor(key.select);
    return { source: children, plan, backward: key.page.backward, shape: `${name}:${key.page.backward}:${plan.shape}` };
  };

  const primeNested = (key: NestedKey, parentIds: readonly number[], columnsOf: readonly unknown[]) => {
    const plan = planFor(key.select);
    for (let i = 0; i < parentIds.length; i++) {
      const page: ChildPageKey = { parentId: parentIds[i], page: key.page, select: key.select };
      const pages = new Map<string, Page<Row>>();
      pagesFrom((columnsOf[i] ?? []) as unknown[][], plan, [page], pages);
      loader.prime(page, pages.get(cacheKey(page))!);
    }
  };

  return Object.assign(loader, { withParent, nestedIn, primeNested });
}
