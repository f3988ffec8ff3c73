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

// Values of rows read by our own SQL, typed as Prisma types them, so a row is the same
// whichever way it was read: timestamps and dates are UTC (pg would read them as local
// time), and decimals are exact strings written the way Prisma's Decimal writes them.
const ROW_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case pg.types.builtins.TIMESTAMP:
        return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
      case pg.types.builtins.DATE:
        return (text: string) => new Date(`${text}T00:00:00Z`);
      case pg.types.builtins.NUMERIC:
        return (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);
      default:
        return pg.types.getTypeParser(oid, format);
    }
  },
} as pg.CustomTypesConfig;

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
   * Runs one of our own SQL statements straight on the pool and returns its rows as
   * arrays of column values, in select order. Loaders use it for the statements they
   * build themselves: on wide pages, Prisma's raw-result mapping and per-row objects
   * cost more CPU than the query.
   */
  async tuples(sql: string, params: unknown[]): Promise<unknown[][]> {
    const name = this.handles.prepareStatements ? statementName(sql) : undefined;
    const result = await this.inSlot(() => this.handles.pool.query({ name, text: sql, values: params, types: ROW_TYPES, rowMode: 'array' }));
    return result.rows as unknown[][];
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
