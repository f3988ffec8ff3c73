import type { RequestDb } from '../db/request-db';

/**
 * How a loader reaches the database. The product batches: the keys of one tick go in one
 * statement, cached for the request, and pages read their to-one relations by joins.
 * Benchmarks build the N+1 pattern from the same factories with everything off.
 */
export interface LoaderStyle {
  batch: boolean;
  /** Whether pages read their joinable to-one relations in their own statement. */
  joins: boolean;
}

/** The product's style. */
export const BATCHED: LoaderStyle = Object.freeze({ batch: true, joins: true });

/** Where a loader is made: its request's door, its style and its name (the `Loaders` key). */
export interface LoaderSite {
  db: RequestDb;
  style: LoaderStyle;
  name: string;
}

/** DataLoader options of a loader named `name`, in `style`. */
export function loaderOptions<K, C = K>(name: string, style: LoaderStyle, cacheKeyFn?: (key: K) => C) {
  return { name, cacheKeyFn, maxBatchSize: 1000, batch: style.batch, cache: style.batch };
}

/** Charges a batch of `size` keys of loader `name` to the request's telemetry. */
export function recordBatch(db: RequestDb, name: string, size: number): void {
  db.stats.batches.push({ loader: name, size });
}

/** `items` grouped by `keyOf`, groups and items in first-seen order. */
export function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
