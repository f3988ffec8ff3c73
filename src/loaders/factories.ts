import DataLoader from 'dataloader';
import type { PrismaClient } from '../generated/prisma/client';
import { modelMeta, type ModelName } from '../generated/model-meta';
import type { RequestDb } from '../db/request-db';
import { toPage, type Page, type PageArgs } from './page';

/*
 * Generic loader factories. Each relation's loader is declared from these in one line
 * (see ./index.ts); the SQL comes from the model metadata generated from schema.prisma.
 * Every batch function returns results aligned with its keys, one statement per batch.
 */

interface Delegate {
  findMany(args: unknown): Promise<Array<Record<string, unknown>>>;
  groupBy(args: unknown): Promise<Array<Record<string, unknown>>>;
}

function delegate(prisma: PrismaClient, model: ModelName): Delegate {
  return (prisma as unknown as Record<string, Delegate>)[model[0].toLowerCase() + model.slice(1)];
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

// Loaders live for one request, so their cache is the request's identity map.
function batchOptions<K, C = K>(name: string, cacheKeyFn?: (key: K) => C) {
  return { name, cacheKeyFn, maxBatchSize: 1000 };
}

function record(db: RequestDb, name: string, size: number): void {
  db.stats.batches.push({ loader: name, size });
}

/** `model` rows by primary key; `null` for keys with no row. */
export function byKey<M extends ModelName, Row>(db: RequestDb, model: M, name: string): DataLoader<number, Row | null> {
  return new DataLoader<number, Row | null>(async (ids) => {
    record(db, name, ids.length);
    const rows = await db.run((prisma) => delegate(prisma, model).findMany({ where: { id: { in: ids as number[] } } }));
    const byId = new Map(rows.map((row) => [row.id as number, row as Row]));
    return ids.map((id) => byId.get(id) ?? null);
  }, batchOptions(name));
}

/** A key of a to-many loader: whose children, and which page of them. */
export interface ChildPageKey {
  parentId: number;
  page: PageArgs;
}

/**
 * Pages of `model` rows per parent (`parentField` holds the parent's id), ordered by id.
 * All parents asking for the same page shape are served by one statement that ranks
 * children per parent with a window function, so "the first 10 tracks of each of 50
 * albums" reads 50 × 11 rows at most, whatever the albums hold.
 */
export function pageByParent<M extends ModelName, Row extends { id: number }>(
  db: RequestDb,
  model: M,
  parentField: string & keyof (typeof modelMeta)[M]['columns'],
  name: string,
  countLoader: () => DataLoader<number, number>,
  /** The by-id loader of `model`, primed with every row read, so later lookups cost nothing. */
  byId: () => DataLoader<number, Row | null>,
): DataLoader<ChildPageKey, Page<Row>, string> {
  const meta = modelMeta[model];
  const columns = meta.columns as Record<string, string>;
  const select = Object.entries(columns).map(([field, column]) => `${quote(column)} AS ${quote(field)}`).join(', ');
  const fk = quote(columns[parentField]);
  const id = quote(columns.id);
  const table = quote(meta.table);

  return new DataLoader<ChildPageKey, Page<Row>, string>(
    async (keys) => {
      record(db, name, keys.length);
      // Keys of one level share their arguments; group anyway so any mix is correct.
      const groups = new Map<string, ChildPageKey[]>();
      for (const key of keys) {
        const shape = `${key.page.first}|${key.page.after?.[0] ?? ''}`;
        const group = groups.get(shape);
        if (group) group.push(key);
        else groups.set(shape, [key]);
      }
      const pages = new Map<string, Page<Row>>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const { first, after } = group[0].page;
          const parentIds = [...new Set(group.map((k) => k.parentId))];
          const params: unknown[] = [parentIds, first + 1];
          if (after) params.push(Number(after[0]));
          const sql =
            `SELECT ${select} FROM (SELECT *, row_number() OVER (PARTITION BY ${fk} ORDER BY ${id}) AS rank ` +
            `FROM ${table} WHERE ${fk} = ANY($1::int[])${after ? ` AND ${id} > $3` : ''}) ranked ` +
            `WHERE rank <= $2 ORDER BY ${fk}, ${id}`;
          const rows = first === 0 ? [] : await db.run((prisma) => prisma.$queryRawUnsafe<Row[]>(sql, ...params));
          const byParent = new Map<number, Row[]>();
          const cache = rows.length > 0 ? byId() : undefined;
          for (const row of rows) {
            cache!.prime(row.id, row);
            const parentId = (row as Record<string, unknown>)[parentField] as number;
            const list = byParent.get(parentId);
            if (list) list.push(row);
            else byParent.set(parentId, [row]);
          }
          for (const key of group) {
            pages.set(
              childPageKey(key),
              toPage(byParent.get(key.parentId) ?? [], key.page, (row) => [row.id], () => countLoader().load(key.parentId)),
            );
          }
        }),
      );
      return keys.map((key) => pages.get(childPageKey(key))!);
    },
    batchOptions(name, childPageKey),
  );
}

function childPageKey(key: ChildPageKey): string {
  return `${key.parentId}|${key.page.first}|${key.page.after?.[0] ?? ''}`;
}

/** Number of `model` rows per parent, for the `totalCount` of nested lists. */
export function countByParent<M extends ModelName>(
  db: RequestDb,
  model: M,
  parentField: string & keyof (typeof modelMeta)[M]['columns'],
  name: string,
): DataLoader<number, number> {
  return new DataLoader<number, number>(async (parentIds) => {
    record(db, name, parentIds.length);
    const groups = await db.run((prisma) =>
      delegate(prisma, model).groupBy({ by: [parentField], where: { [parentField]: { in: parentIds as number[] } }, _count: { _all: true } }),
    );
    const counts = new Map(groups.map((g) => [g[parentField] as number, (g._count as { _all: number })._all]));
    return parentIds.map((id) => counts.get(id) ?? 0);
  }, batchOptions(name));
}

/** A top-level list ordered by `orderBy` fields (the last one unique), paged by keyset. */
export async function listPage<M extends ModelName, Row extends Record<string, unknown>>(
  db: RequestDb,
  model: M,
  where: Record<string, unknown>,
  orderBy: string[],
  page: PageArgs,
  /** The by-id loader of `model`, primed with the page's rows. */
  byId?: DataLoader<number, Row | null>,
): Promise<Page<Row>> {
  const sortKey = (row: Row) => orderBy.map((field) => row[field]);
  const seek = page.after ? keysetAfter(orderBy, page.after) : undefined;
  const rows =
    page.first === 0
      ? []
      : await db.run((prisma) =>
          delegate(prisma, model).findMany({
            where: seek ? { AND: [where, seek] } : where,
            orderBy: orderBy.map((field) => ({ [field]: 'asc' })),
            take: page.first + 1,
          }),
        );
  if (byId) for (const row of rows) byId.prime(row.id as number, row as Row);
  return toPage(rows as Row[], page, sortKey, () =>
    db.run(async (prisma) => (delegate(prisma, model) as unknown as { count(a: unknown): Promise<number> }).count({ where })),
  );
}

// Rows strictly after `values` in (f1, f2, …) order: f1 > v1 OR (f1 = v1 AND f2 > v2) …
function keysetAfter(fields: string[], values: unknown[]): Record<string, unknown> {
  return {
    OR: fields.map((field, i) => ({
      ...Object.fromEntries(fields.slice(0, i).map((f, j) => [f, values[j]])),
      [field]: { gt: values[i] },
    })),
  };
}
