import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

/** What one GraphQL operation did with the database. */
export interface OperationStats {
  /** SQL statements sent, including BEGIN/COMMIT of transactions. */
  statements: number;
  /** Database calls made: one per loader batch or list query (a call may send several statements). */
  roundTrips: number;
  /** Total milliseconds spent waiting for a pooled connection. */
  acquireWaitMs: number;
  /** Connections held right now. */
  held: number;
  /** Most connections held at once. */
  peakConnections: number;
  /** Keys per loader batch, in dispatch order, named by loader. */
  batches: Array<{ loader: string; size: number }>;
}

/** A fresh, zeroed stats record. */
export function newOperationStats(): OperationStats {
  return { statements: 0, roundTrips: 0, acquireWaitMs: 0, held: 0, peakConnections: 0, batches: [] };
}

/** One operation's database work, as the pool sees it. */
export interface StatementScope {
  stats: OperationStats;
  /** Connections the operation holds right now, so its statements can be cancelled. */
  clients: Set<pg.PoolClient>;
  /** Why the operation was cancelled (deadline, client gone), once it was: no new connection is handed to it. */
  cancelled?: { reason: unknown };
}

/**
 * The operation on whose behalf Prisma's work runs. The pool reads it when Prisma checks
 * a connection out, so its statements are charged to the right request without passing
 * anything through Prisma. Enter it only through {@link inOperationScope}.
 */
export const operationScope = new AsyncLocalStorage<StatementScope>();

let prismaWorkInFlight = 0;

/**
 * Runs Prisma work in `scope`. While an AsyncLocalStorage is enabled, Node runs a hook on
 * every promise the process makes (Apollo's, pg's, ours): about 5% of a single-row
 * request's CPU. So the storage is enabled only while some Prisma work is in flight, and
 * disabled when the last finishes; our own statements name their scope instead
 * (InstrumentedPool.queryFor).
 */
export async function inOperationScope<T>(scope: StatementScope, work: () => Promise<T>): Promise<T> {
  prismaWorkInFlight++;
  try {
    // Prisma's promises are lazy: awaited here, its query starts inside the scope.
    return await operationScope.run(scope, async () => await work());
  } finally {
    if (--prismaWorkInFlight === 0) operationScope.disable();
  }
}

/** Process-wide totals since start, for benchmarks (metrics keep their own, see ../observability/metrics.ts). */
export const processStats = {
  statements: 0,
};
