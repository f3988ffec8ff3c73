import DataLoader from 'dataloader';
import { getArgumentValues, getNamedType, isObjectType, type FieldNode, type GraphQLField, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { ModelName } from '../generated/model-meta';
import { pageArgs, pageShape, toPage, type ConnectionArgs, type CursorScope, type Page, type PageArgs } from '../graphql/connections';
import { fieldsOf as selectedFields, selectionOnNodes, type Joinable, type NodeSelection } from '../graphql/lookahead';
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
  /** A page of each child's own children read inside the same statement: only beside a row looked up by id (see {@link selectedPage}). */
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
function childScope(info: GraphQLResolveInfo): CursorScope {
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

// The first of `nests` selected on the rows of the connection being resolved, as a key
// without a parent: the same page of every row's children. Not for a cursor (one
// parent's), no rows, or an argument the field's own resolver will refuse.
function nestedOnRows(info: GraphQLResolveInfo, nests: Nests): NestedKey | undefined {
  for (const [field, [loader, joinable]] of Object.entries(nests)) {
    const nested = nestedField(info, field, true);
    if (!nested) continue;
    try {
      const page = pageArgs(getArgumentValues(nested.definition, nested.fieldNodes[0], info.variableValues) as ConnectionArgs, childScope(nested as unknown as GraphQLResolveInfo));
      if (page.cursor || page.size === 0) return undefined;
      return { loader, page, select: selectionOnNodes(nested as unknown as GraphQLResolveInfo, joinable) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// A connection field selected on the row being resolved (or on each row of the connection
// being resolved), as its own resolver's info will show it.
interface NestedField {
  fieldNodes: FieldNode[];
  fragments: GraphQLResolveInfo['fragments'];
  parentType: GraphQLObjectType;
  fieldName: string;
  returnType: GraphQLField<unknown, unknown>['type'];
  definition: GraphQLField<unknown, unknown>;
}

// Per field of an operation (graphql-js and graphql-jit hand every row the same fieldNodes).
const nestedFields = new WeakMap<readonly FieldNode[], Map<string, NestedField | null>>();

function nestedField(info: GraphQLResolveInfo, field: string, onRows = false): NestedField | null {
  let byName = nestedFields.get(info.fieldNodes);
  if (!byName) nestedFields.set(info.fieldNodes, (byName = new Map()));
  const name = `${onRows ? 'rows.' : ''}${field}`;
  let nested = byName.get(name);
  if (nested === undefined) byName.set(name, (nested = findNested(info, field, onRows)));
  return nested;
}

// The row fields of a connection's selection: its `nodes`, and its `edges`' `node`; with
// the fields they are selected through.
function rowFields(info: GraphQLResolveInfo): { rows: FieldNode[]; through: FieldNode[] } {
  const sets = info.fieldNodes.flatMap((node) => selectedFields(node.selectionSet, info));
  const edges = sets.filter((f) => f.name.value === 'edges');
  const rows = [...sets.filter((f) => f.name.value === 'nodes'), ...edges.flatMap((e) => selectedFields(e.selectionSet, info).filter((f) => f.name.value === 'node'))];
  return { rows, through: [...info.fieldNodes, ...edges] };
}

// Whether a selection set holds, at its own level (through fragments), a fragment under
// @include/@skip: what is selected there then depends on the variables.
function conditional(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') continue;
    if (selection.directives?.length) return true;
    const fragment = selection.kind === 'InlineFragment' ? selection.selectionSet : info.fragments[selection.name.value]?.selectionSet;
    if (conditional(fragment, info)) return true;
  }
  return false;
}

function findNested(info: GraphQLResolveInfo, field: string, onRows: boolean): NestedField | null {
  const returned = getNamedType(info.returnType);
  const nodes = onRows && isObjectType(returned) ? returned.getFields().nodes : undefined;
  const parentType = onRows ? nodes && getNamedType(nodes.type) : returned;
  const definition = isObjectType(parentType) ? parentType.getFields()[field] : undefined;
  if (!definition) return null;
  const { rows, through } = onRows ? rowFields(info) : { rows: info.fieldNodes, through: [] };
  // Rows selected one way (`nodes`, or `edges { node }`, not both), and none of it under a condition.
  if (onRows && (rows.length !== 1 || rows[0].directives?.length)) return null;
  if ([...through, ...rows].some((node) => conditional(node.selectionSet, info))) return null;
  const fieldNodes = rows.flatMap((node) => selectedFields(node.selectionSet, info)).filter((f) => f.name.value === field);
  const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;
  // Selected once (under one response key, so with one set of arguments), and not conditionally.
  if (fieldNodes.length === 0 || fieldNodes.some((f) => responseKey(f) !== responseKey(fieldNodes[0]) || f.directives?.length)) return null;
  return { fieldNodes, fragments: info.fragments, parentType: parentType as GraphQLObjectType, fieldName: field, returnType: definition.type, definition };
}

/**
 * The key the connection `field`, selected on the row being resolved, will load (its
 * arguments and selection as its own resolver will see them), worked out ahead so that the
 * row and that page can be read in one statement. Undefined when the field is not selected,
 * is selected twice or under a directive, asks for no rows, or has an argument its own
 * resolver will refuse.
 */
export function selectedPage(parentId: number, info: GraphQLResolveInfo, field: string, joinable?: Joinable, nests?: Nests): ChildPageKey | undefined {
  const nested = nestedField(info, field);
  if (!nested) return undefined;
  try {
    const args = getArgumentValues(nested.definition, nested.fieldNodes[0], info.variableValues) as ConnectionArgs;
    const fieldInfo = { ...nested, variableValues: info.variableValues } as unknown as GraphQLResolveInfo;
    const key = childPage(parentId, args, fieldInfo, joinable);
    if (key.page.size === 0) return undefined;
    const inner = nests && nestedOnRows(fieldInfo, nests);
    return inner ? { ...key, nested: inner } : key;
  } catch {
    return undefined;
  }
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
   * for (see {@link selectedPage}); primes `parentById` with the row and this loader with
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
  // Read inside only where loaders cache what they are primed with (not the N+1 pattern).
  const nestedOf = (key: ChildPageKey) => (style.batch ? key.nested : undefined);
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
    const nested = nestedOf(key);
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
