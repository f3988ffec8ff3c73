import DataLoader from 'dataloader';
import { modelMeta, type ModelName } from '../generated/model-meta';
import type { Queryable, RequestDb } from '../db/request-db';
import type { GraphQLResolveInfo } from 'graphql';
import { pageArgs, pageShape, toPage, type ConnectionArgs, type CursorScope, type Page, type PageArgs } from './page';
import { selectionOnNodes, type NodeSelection } from './lookahead';
import { fromJson, jsonColumn } from '../db/row-values';

/*
 * Generic loader factories. Each relation's loader is declared from these in a line or
 * two (see ./index.ts); SQL identifiers come from the model metadata generated from
 * schema.prisma. Every batch returns results aligned with its keys, one statement per
 * batch, whatever the number of keys.
 */

interface Delegate {
  findMany(args: unknown): Promise<Array<Record<string, unknown>>>;
  groupBy(args: unknown): Promise<Array<Record<string, unknown>>>;
  count(args: unknown): Promise<number>;
}

function delegate(prisma: Queryable, model: ModelName): Delegate {
  return (prisma as unknown as Record<string, Delegate>)[model[0].toLowerCase() + model.slice(1)];
}

type FieldOf<M extends ModelName> = string & keyof (typeof modelMeta)[M]['columns'];

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
const column = (model: ModelName, field: string) => quote((modelMeta[model].columns as Record<string, string>)[field]);
const typeOf = (model: ModelName, field: string) => (modelMeta[model].types as Record<string, string>)[field];

/**
 * How loaders reach the database. `batched` (the product) collects the keys of one tick
 * into one statement and caches per request; `per-parent` sends one statement per key
 * and caches nothing: the N+1 pattern, kept so benchmarks can measure what batching buys.
 */
export type LoaderMode = 'batched' | 'per-parent';

function options<K, C = K>(name: string, mode: LoaderMode, cacheKeyFn?: (key: K) => C) {
  const batched = mode === 'batched';
  return { name, cacheKeyFn, maxBatchSize: 1000, batch: batched, cache: batched };
}

function record(db: RequestDb, name: string, size: number): void {
  db.stats.batches.push({ loader: name, size });
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** `model` rows by primary key; `null` for keys with no row. */
export function byKey<Row extends { id: number }>(db: RequestDb, model: ModelName, name: string, mode: LoaderMode = 'batched'): DataLoader<number, Row | null> {
  return new DataLoader<number, Row | null>(async (ids) => {
    record(db, name, ids.length);
    const rows = (await db.run((prisma) => delegate(prisma, model).findMany({ where: { id: { in: ids as number[] } } }))) as Row[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  }, options(name, mode));
}

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
}

// Child pages run by id; the list is the field they are read through (Album.tracks).
const childScopes = new Map<string, CursorScope>();
function childScope(info: GraphQLResolveInfo): CursorScope {
  const name = `${info.parentType.name}.${info.fieldName}`;
  let scope = childScopes.get(name);
  if (!scope) childScopes.set(name, (scope = { name, types: ['Int'] }));
  return scope;
}

/** The key a connection field's resolver loads: its arguments checked, its selection looked ahead. */
export function childPage(parentId: number, args: ConnectionArgs, info: GraphQLResolveInfo, joinable?: readonly string[]): ChildPageKey {
  return { parentId, page: pageArgs(args, childScope(info)), select: selectionOnNodes(info, joinable) };
}

const JOINED = Symbol('joined');

/**
 * The `name` relation read together with `child` by a join: the related row, `null`
 * when the child has none, or `undefined` when it was not joined. Resolvers return it
 * as is, so the executor completes the field without a promise.
 */
export function joinedRow<T>(child: object, name: string): T | null | undefined {
  return (child as { [JOINED]?: Record<string, T | null> })[JOINED]?.[name];
}

// Build a child (and the rows joined to it) from row `r` of a page's columns, by the
// columns read. Generated once per shape, as object literals of fixed shape: rows are the hot
// path of a nested page, and V8 builds literals far faster than objects filled in a
// loop. Names come from the generated model metadata, never from a request. Clients
// choose the columns, so the most recently used shapes are kept, up to a cap.
type RowBuilder = (columns: unknown[][], r: number) => Record<PropertyKey, unknown>;
const builders = new Map<string, RowBuilder>();
const MAX_BUILDERS = 1000;

function cachedBuilder(key: string, make: () => RowBuilder) {
  let build = builders.get(key);
  if (build) {
    builders.delete(key);
  } else {
    build = make();
    if (builders.size >= MAX_BUILDERS) builders.delete(builders.keys().next().value!);
  }
  builders.set(key, build);
  return build;
}

/** A to-one relation of the child that can be read by a join and primed into its loader. */
export interface Join {
  /** The child's field holding the related row's id. */
  via: string;
  model: ModelName;
  byId: () => DataLoader<number, any>;
}

/** Where a parent's children are: a foreign key on the child, or a join table. */
export type Children<M extends ModelName> = (
  | { model: M; parentField: FieldOf<M> }
  | { model: M; through: { model: ModelName; parentField: string; childField: string; orderBy?: string } }
) & {
  /** To-one relations of the child that a page may read in its own statement. */
  joins?: Record<string, Join>;
};

/**
 * Pages of child rows per parent, ordered by the child's id (or by the join table's
 * `orderBy` column, whose value is then the cursor). All parents asking for the
 * same page shape are served by one statement that reads each parent's page on its own,
 * so "the first 10 tracks of each of 50 albums" reads at most 50 × 11 rows, whatever the
 * albums hold.
 */
export function pageByParent<M extends ModelName, Row extends { id: number }>(
  db: RequestDb,
  children: Children<M>,
  name: string,
  count: () => DataLoader<number, number>,
  /** The child's by-id loader, primed with every row read so later lookups cost nothing. */
  byId?: () => DataLoader<number, Row | null>,
  mode: LoaderMode = 'batched',
): DataLoader<ChildPageKey, Page<Row>, string> {
  const child = children.model;
  const childTable = quote(modelMeta[child].table);
  const childId = column(child, 'id');
  // A join table may order its entries itself (a playlist's positions).
  const ordered = 'through' in children && children.through.orderBy !== undefined;

  // Per-parent mode reads each relation on its own, as a resolver without loaders would.
  const joins = mode === 'batched' ? (children.joins ?? {}) : {};

  // Columns a page reads: the id, the fields the client selected, and the foreign keys of
  // the relations it selected. A row read in part is never primed into a by-id loader,
  // whose other users may need the rest.
  const columnsOf = (model: ModelName, selected: readonly string[] | undefined) => {
    const all = Object.keys(modelMeta[model].columns);
    if (!selected) return all;
    const id: readonly string[] = modelMeta[model].id;
    const foreignKeys = modelMeta[model].foreignKeys as Record<string, readonly string[]>;
    const needed = new Set([...id, ...selected, ...selected.flatMap((f) => foreignKeys[f] ?? [])]);
    return all.filter((f) => needed.has(f));
  };
  interface Plan {
    own: string[];
    joined: Array<{ name: string; model: ModelName; columns: string[] }>;
    /** Whether every row is read whole, the joined ones too, and so may be primed. */
    whole: boolean;
    /** The columns read, as text: keys whose selections read the same share a statement. */
    shape: string;
    /** The statement, built once per direction and cursor use (see `sqlFor`). */
    sql: Map<string, string>;
  }
  const isWhole = (model: ModelName, columns: string[]) => columns.length === Object.keys(modelMeta[model].columns).length;
  const plans = new WeakMap<NodeSelection, Plan>();
  const planFor = (select: NodeSelection | undefined): Plan => {
    let plan = select && plans.get(select);
    if (plan) return plan;
    const own = columnsOf(child, select?.fields);
    const joined = (select?.joins ?? [])
      .filter(([name]) => name in joins)
      .map(([name, fields]) => ({ name, model: joins[name].model, columns: columnsOf(joins[name].model, fields) }));
    plan = {
      own,
      joined,
      whole: isWhole(child, own) && joined.every(({ model, columns }) => isWhole(model, columns)),
      shape: `${own.join(',')}|${joined.map(({ name, columns }) => `${name}:${columns.join(',')}`).join('|')}`,
      sql: new Map(),
    };
    if (select) plans.set(select, plan);
    return plan;
  };
  const shapeOf = (key: ChildPageKey) => `${pageShape(key.page)}|${planFor(key.select).shape}`;
  const childPageKey = (key: ChildPageKey) => `${key.parentId}|${shapeOf(key)}`;

  // One LATERAL subquery per parent reads just that parent's page through the index on
  // its foreign key (or the join table's key), so a page costs the rows it returns, not
  // every child of the parent, as ranking whole partitions with a window function would.
  // The page comes back as one JSON array of columns, each the array of that column's
  // values in row order; the columns in this order: the child's, each joined relation's,
  // the parent id. By column, PostgreSQL writes each column's JSON in one pass instead of
  // a small array per row, and JSON.parse builds a few long arrays instead of many short.
  const sqlFor = (page: PageArgs, plan: Plan) => {
    const variant = `${page.backward}:${Boolean(page.cursor)}`;
    let sql = plan.sql.get(variant);
    if (sql === undefined) plan.sql.set(variant, (sql = buildSql(page, plan)));
    return sql;
  };
  const buildSql = (page: PageArgs, plan: Plan) => {
    const direction = page.backward ? ' DESC' : '';
    const select = [
      ...plan.own.map((f) => jsonColumn(`c.${column(child, f)}`, typeOf(child, f))),
      ...plan.joined.flatMap(({ model, columns }, i) => columns.map((f) => jsonColumn(`j${i}.${column(model, f)}`, typeOf(model, f)))),
      'p.parent',
      ...(ordered ? ['r.ord'] : []),
    ];
    // PostgreSQL functions take at most 100 arguments; our widest row has about 20.
    if (select.length > 100) throw new Error(`A page of ${child} would read ${select.length} columns; json_build_array takes at most 100`);
    let pageOf: string;
    let order = `c.${childId}`;
    if ('through' in children) {
      const { model, parentField, childField, orderBy } = children.through;
      const [parentCol, childCol] = [column(model, parentField), column(model, childField)];
      const orderCol = orderBy ? column(model, orderBy) : childCol;
      const seek = page.cursor ? ` AND ${orderCol} ${page.backward ? '<' : '>'} $3` : '';
      pageOf =
        `CROSS JOIN LATERAL (SELECT ${childCol} AS child${orderBy ? `, ${orderCol} AS ord` : ''} FROM ${quote(modelMeta[model].table)} WHERE ${parentCol} = p.parent${seek} ` +
        `ORDER BY ${orderCol}${direction} LIMIT $2) r JOIN ${childTable} c ON c.${childId} = r.child`;
      if (orderBy) order = 'r.ord';
    } else {
      const seek = page.cursor ? ` AND ${childId} ${page.backward ? '<' : '>'} $3` : '';
      pageOf = `CROSS JOIN LATERAL (SELECT * FROM ${childTable} WHERE ${column(child, children.parentField)} = p.parent${seek} ORDER BY ${childId}${direction} LIMIT $2) c`;
    }
    const joined = plan.joined.map(({ name, model }, i) => {
      return ` LEFT JOIN ${quote(modelMeta[model].table)} j${i} ON j${i}.${column(model, 'id')} = c.${column(child, joins[name].via)}`;
    });
    // The aggregates take their rows in the subquery's order: nothing at their level
    // (no join, no grouping) can reorder them, and one row feeds every column alike.
    return (
      `SELECT json_build_array(${select.map((_, i) => `array_agg(s.c${i})`).join(', ')}) ` +
      `FROM (SELECT ${select.map((expression, i) => `${expression} AS c${i}`).join(', ')} ` +
      `FROM unnest($1::int[]) AS p(parent) ${pageOf}${joined.join('')} ORDER BY p.parent, ${order}${direction}) s`
    );
  };

  const builderFor = (plan: Plan) =>
    cachedBuilder(`${child}:${plan.joined.map(({ model }) => model).join(',')}:${plan.shape}:${ordered}`, () => {
      let index = 0;
      const value = (model: ModelName, f: string) => {
        const i = index++;
        const type = typeOf(model, f);
        return fromJson[type] ? `(v = column[${i}][r]) === null ? null : fromJson.${type}(v)` : `column[${i}][r]`;
      };
      const literal = (model: ModelName, names: string[]) => `{ ${names.map((f) => `${JSON.stringify(f)}: ${value(model, f)}`).join(', ')} }`;
      const own = literal(child, plan.own);
      // A relation is null when the left join found no row: its id column is null.
      const related = plan.joined.map(({ name, model, columns }) => {
        const id = index + columns.indexOf('id');
        return `${JSON.stringify(name)}: column[${id}][r] === null ? null : ${literal(model, columns)}`;
      });
      const position = ordered ? ` child.__order = column[${index + 1}][r];` : '';
      const body = `let v; const child = ${own}; child.__parent = column[${index}][r];${position} child[JOINED] = { ${related.join(', ')} }; return child;`;
      return new Function('JOINED', 'fromJson', `return (column, r) => { ${body} };`)(JOINED, fromJson) as RowBuilder;
    });

  const toRows = (columns: unknown[][], plan: Plan) => {
    const build = builderFor(plan);
    // With no rows, every column is null (array_agg of nothing).
    const rows = new Array<Record<PropertyKey, unknown>>(columns[0]?.length ?? 0);
    for (let r = 0; r < rows.length; r++) rows[r] = build(columns, r);
    for (const { name, model, columns } of plan.joined) {
      if (!isWhole(model, columns)) continue;
      const loader = joins[name].byId();
      for (const row of rows) {
        const other = (row[JOINED] as Record<string, { id: number } | null>)[name];
        if (other) loader.prime(other.id, other);
      }
    }
    return rows;
  };

  return new DataLoader<ChildPageKey, Page<Row>, string>(
    async (keys) => {
      record(db, name, keys.length);
      const pages = new Map<string, Page<Row>>();
      // Keys of one level share their page shape; group anyway so any mix is correct.
      await Promise.all(
        [...groupBy(keys, shapeOf).values()].map(async (group) => {
          const { page, select } = group[0];
          const plan = planFor(select);
          const params: unknown[] = [[...new Set(group.map((k) => k.parentId))], page.size + 1];
          if (page.cursor) params.push(Number(page.cursor[0]));
          const read = page.size === 0 ? [] : await db.columns(sqlFor(page, plan), params);
          const rows = toRows(read, plan) as unknown as Array<Row & { __parent: number }>;
          const cache = plan.whole ? byId?.() : undefined;
          if (cache) for (const row of rows) cache.prime(row.id, row);
          const byParent = groupBy(rows, (row) => row.__parent);
          for (const key of group) {
            pages.set(childPageKey(key), toPage(byParent.get(key.parentId) ?? [], key.page, ordered ? (row) => [(row as { __order?: number }).__order] : (row) => [row.id], () => count().load(key.parentId)));
          }
        }),
      );
      return keys.map((key) => pages.get(childPageKey(key))!);
    },
    options(name, mode, childPageKey),
  );
}

/**
 * An aggregate of `model` rows per parent: their count, or the sum of `sum`. Parents
 * with no rows get 0 (count) or null (sum).
 */
export function aggregateByParent<M extends ModelName, V = number>(
  db: RequestDb,
  model: M,
  parentField: FieldOf<M>,
  name: string,
  sum?: FieldOf<M>,
  mode: LoaderMode = 'batched',
): DataLoader<number, V> {
  return new DataLoader<number, V>(async (parentIds) => {
    record(db, name, parentIds.length);
    const groups = await db.run((prisma) =>
      delegate(prisma, model).groupBy({
        by: [parentField],
        where: { [parentField]: { in: parentIds as number[] } },
        ...(sum ? { _sum: { [sum]: true } } : { _count: { _all: true } }),
      }),
    );
    const values = new Map(
      groups.map((g) => [g[parentField] as number, (sum ? (g._sum as Record<string, unknown>)[sum] : (g._count as { _all: number })._all) as V]),
    );
    return parentIds.map((id) => values.get(id) ?? ((sum ? null : 0) as V));
  }, options(name, mode));
}

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

/** A top-level list filtered by `where`, in `sort` order, paged by keyset. */
export async function listPage<Row extends { id: number }>(
  db: RequestDb,
  model: ModelName,
  where: Record<string, unknown>,
  sort: Sort,
  args: ConnectionArgs,
  /** The model's by-id loader, primed with the page's rows. */
  byId?: DataLoader<number, Row | null>,
): Promise<Page<Row>> {
  const page = pageArgs(args, listScope(model, sort));
  const descending = Boolean(sort.descending) !== page.backward;
  const seek = page.cursor ? keyset(sort.fields, page.cursor, descending ? 'lt' : 'gt') : undefined;
  const rows =
    page.size === 0
      ? []
      : ((await db.run((prisma) =>
          delegate(prisma, model).findMany({
            where: seek ? { AND: [where, seek] } : where,
            orderBy: sort.fields.map((field) => ({ [field]: descending ? 'desc' : 'asc' })),
            take: page.size + 1,
          }),
        )) as Row[]);
  if (byId) for (const row of rows) byId.prime(row.id, row);
  const sortKey = (row: Row) => sort.fields.map((field) => (row as Record<string, unknown>)[field]);
  return toPage(rows, page, sortKey, () => db.run((prisma) => delegate(prisma, model).count({ where })));
}

// Rows strictly beyond `values` in (f1, f2, …) order: f1 ⋛ v1 OR (f1 = v1 AND f2 ⋛ v2) …
function keyset(fields: string[], values: unknown[], op: 'gt' | 'lt'): Record<string, unknown> {
  return {
    OR: fields.map((field, i) => ({
      ...Object.fromEntries(fields.slice(0, i).map((f, j) => [f, values[j]])),
      [field]: { [op]: values[i] },
    })),
  };
}
