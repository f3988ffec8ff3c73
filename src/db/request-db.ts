import pg from 'pg';
import type { PrismaClient } from '../generated/prisma/client';
import { newOperationStats, operationScope, type OperationStats } from './stats';

/** The shared handles a request's database access goes through. */
export interface DatabaseHandles {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Whether {@link RequestDb.tuples} may prepare its statements once per connection. */
  prepareStatements: boolean;
}

// Each of our statements gets a name and is prepared once per pooled connection: later
// runs skip PostgreSQL's parse and plan. Their text depends on the columns a client
// selected, so clients can make many; past the cap, new ones run unnamed (parsed each
// time, as before), so neither this map nor the server's per-connection statements grow
// without bound. Names are never reused: pg refuses a name bound to other text.
const statementNames = new Map<string, string>();
const MAX_PREPARED = 500;
const statementName = (sql: string) => {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_PREPARED) statementNames.set(sql, (name = `media_store_${statementNames.size + 1}`));
  return name;
};

/**
 * One request's door to the database. Every statement of the request goes through
 * {@link RequestDb.run} or {@link RequestDb.tuples}, which charge it to the request's stats
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
   * Runs one of our own SQL statements straight on the pool and returns its rows, which
   * it sends as one JSON array of arrays of column values (see ../db/row-values.ts).
   * Loaders use it for the statements they build themselves: on wide pages, Prisma's
   * raw-result mapping and pg's per-column decoding cost more CPU than the query.
   */
  async tuples(sql: string, params: unknown[]): Promise<unknown[][]> {
    const name = this.handles.prepareStatements ? statementName(sql) : undefined;
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
