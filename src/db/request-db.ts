import pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { newOperationStats, operationScope, type OperationStats } from './stats';
import { statementName } from './statements';

/** The shared handles a request's database access goes through. */
export interface DatabaseHandles {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Whether statements (ours in {@link RequestDb.columns}, and Prisma's) are prepared once per connection. */
  prepareStatements: boolean;
}

/**
 * One request's door to the database. Every statement of the request goes through
 * {@link RequestDb.run} or {@link RequestDb.columns}, which charge it to the request's stats
 * and cap how many of the request's statements run at once, so one wide query cannot
 * take the whole pool.
 */
export class RequestDb {
  readonly stats: OperationStats = newOperationStats();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly handles: DatabaseHandles,
    /** Most statements of this request in flight at once (and so connections held). */
    readonly maxConcurrent: number,
  ) {}

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
    if (this.active >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.stats.roundTrips++;
    try {
      return await operationScope.run(this.stats, async () => await work());
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
