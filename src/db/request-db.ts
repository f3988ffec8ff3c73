import type { PrismaClient } from '../generated/prisma/client';
import { DatabaseFailure } from './failures';
import type { InstrumentedPool } from './instrumented-pool';
import { newOperationStats, operationScope, type OperationScope, type OperationStats } from './stats';
import { statementName } from './statements';

/** The shared handles a request's database access goes through. */
export interface DatabaseHandles {
  prisma: PrismaClient;
  pool: InstrumentedPool;
  /** Whether statements (ours in {@link RequestDb.columns}, and Prisma's) are prepared once per connection. */
  prepareStatements: boolean;
}

/**
 * One request's door to the database. Every statement of the request goes through
 * {@link RequestDb.run} or {@link RequestDb.columns}, which charge it to the request's stats
 * and cap how many of the request's statements run at once, so one wide query cannot
 * take the whole pool. When `signal` aborts (the request's deadline passed, or its client
 * hung up), the statements it is running are cancelled in PostgreSQL and no new ones start.
 */
export class RequestDb {
  readonly stats: OperationStats = newOperationStats();
  private readonly scope: OperationScope;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly handles: DatabaseHandles,
    /** Most statements of this request in flight at once (and so connections held). */
    readonly maxConcurrent: number,
    signal: AbortSignal = new AbortController().signal,
  ) {
    this.scope = { stats: this.stats, clients: new Set(), signal };
    signal.addEventListener('abort', () => this.cancel(), { once: true });
  }

  // Cancels what runs and wakes what waits for a slot, which then finds the signal aborted.
  private cancel(): void {
    for (const client of this.scope.clients) this.handles.pool.cancel(client);
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Runs Prisma work for this request once one of its slots is free. */
  run<T>(work: (prisma: PrismaClient) => Promise<T>): Promise<T> {
    // Prisma's promises are lazy: the query starts at then(), which happens inside the
    // scope because `inSlot` awaits it there.
    return this.inSlot(() => work(this.handles.prisma));
  }

  /**
   * Runs one of our own SQL statements straight on the pool and returns what it sends: one
   * JSON array of columns, each the array of that column's values (see ../db/row-values.ts).
   * Loaders use it for the statements they build themselves: on wide pages, Prisma's
   * raw-result mapping and pg's per-column decoding cost more CPU than the query.
   */
  async columns(sql: string, params: unknown[]): Promise<unknown[][]> {
    const name = this.handles.prepareStatements ? statementName(sql, params.length) : undefined;
    const result = await this.inSlot(() => this.handles.pool.query({ name, text: sql, values: params, rowMode: 'array' }));
    return (result.rows[0]?.[0] ?? []) as unknown[][];
  }

  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    const { signal } = this.scope;
    if (this.active >= this.maxConcurrent && !signal.aborted) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (signal.aborted) throw new DatabaseFailure('cancelled', signal.reason);
    this.active++;
    this.stats.roundTrips++;
    try {
      return await operationScope.run(this.scope, async () => await work());
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
