import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { DatabaseFailure } from '../errors';
import type { InstrumentedPool } from './instrumented-pool';
import { inOperationScope, newOperationStats, type StatementScope, type OperationStats } from './stats';
import { statementName } from './statements';

/** The shared handles a request's database access goes through. */
export interface DatabaseHandles {
  prisma: PrismaClient;
  pool: InstrumentedPool;
  /** Whether statements (ours in {@link RequestDb.columns}, and Prisma's) are prepared once per connection. */
  prepareStatements: boolean;
  /** Longest a transaction may run, shorter than `pool_timeout` so none outlives a waiting request's patience. */
  transactionTimeoutMs?: number;
  /** Longest a transaction waits for its connection (`pool_timeout`). */
  acquireTimeoutMs?: number;
}

/** What statements run on: the shared client, or one transaction's. */
export type Queryable = Prisma.TransactionClient;

/** What the door a transaction hands its work shares with the request's door, and what it adds. */
interface TransactionBinding {
  /** The request's stats, connections held and cancellation. */
  scope: StatementScope;
  /** The transaction's client: every statement of the door runs on it. */
  client: Queryable;
}

/**
 * One request's door to the database. Every statement of the request goes through
 * {@link RequestDb.run} or {@link RequestDb.columns}, which charge it to the request's stats
 * and cap how many of the request's statements run at once, so one wide query cannot
 * take the whole pool. When it is cancelled (the request's deadline passed, or its client
 * hung up), the statements it is running are cancelled in PostgreSQL and no new ones start.
 */
export class RequestDb {
  readonly stats: OperationStats;
  private readonly scope: StatementScope;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly committed: Array<() => void> = [];
  /** Set on the door a transaction hands its callback: every statement runs in it. */
  private readonly tx: Queryable | undefined;

  constructor(
    private readonly handles: DatabaseHandles,
    /** Most statements of this request in flight at once (and so connections held). */
    readonly maxConcurrent: number,
    /** Cancels the request when it aborts; the owner may call {@link RequestDb.cancel} instead. */
    signal?: AbortSignal,
    /** Given only by {@link RequestDb.transaction}, for the door it hands its work. */
    transaction?: TransactionBinding,
  ) {
    this.scope = transaction?.scope ?? { stats: newOperationStats(), clients: new Set() };
    this.stats = this.scope.stats;
    this.tx = transaction?.client;
    if (signal?.aborted) this.cancel(signal.reason);
    else signal?.addEventListener('abort', () => this.cancel(signal.reason), { once: true });
  }

  /**
   * Cancels the request: the statements it is running are cancelled in PostgreSQL, and
   * those waiting for a slot or a connection, and any it starts later, fail as cancelled.
   */
  cancel(reason: unknown): void {
    if (this.scope.cancelled) return;
    this.scope.cancelled = { reason };
    this.cancelStatements();
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** Whether this door runs its statements in a transaction. */
  get inTransaction(): boolean {
    return this.tx !== undefined;
  }

  /** Calls `listener` after each transaction of this request commits (loaders clear their caches). */
  onCommit(listener: () => void): void {
    this.committed.push(listener);
  }

  /**
   * Runs `work` in one transaction on one connection: every statement it sends through the
   * door it is given, Prisma's and ours, runs in that transaction and sees its uncommitted
   * rows. It times out before `pool_timeout`, and holds its connection for nothing else.
   * After it commits, the request's loaders forget what they cached.
   */
  async transaction<T>(work: (tx: RequestDb) => Promise<T>): Promise<T> {
    if (this.tx) return work(this);
    const timeout = this.handles.transactionTimeoutMs ?? 5_000;
    // Prisma's own timeout gives up on the transaction but lets its statement run on: cancel it.
    const timer = setTimeout(() => this.cancelStatements(), timeout);
    const result = await this.inSlot(() =>
      inOperationScope(this.scope, () => this.handles.prisma.$transaction(
        (client) => work(new RequestDb(this.handles, 1, undefined, { scope: this.scope, client })),
        { maxWait: this.handles.acquireTimeoutMs || 10_000, timeout },
      )),
    ).finally(() => clearTimeout(timer));
    this.afterCommit();
    return result;
  }

  /**
   * Tells the request's listeners (its loaders) that a write committed. `transaction` does
   * it; a write that commits as a single statement, outside one, calls it itself.
   */
  afterCommit(): void {
    for (const listener of this.committed) listener();
  }

  private cancelStatements(): void {
    for (const client of this.scope.clients) this.handles.pool.cancel(client);
  }

  /** Runs Prisma work for this request once one of its slots is free. */
  run<T>(work: (prisma: Queryable) => Promise<T>): Promise<T> {
    return this.inSlot(() => inOperationScope(this.scope, () => work(this.tx ?? (this.handles.prisma as Queryable))));
  }

  /**
   * Runs one of our own SQL statements straight on the pool (in the request's transaction,
   * through Prisma) and returns what it sends: one JSON array of columns, each the array
   * of that column's values (see ../sql/codecs.ts).
   * Loaders use it for the statements they build themselves: on wide pages, Prisma's
   * raw-result mapping and pg's per-column decoding cost more CPU than the query.
   */
  async columns(sql: string, params: unknown[]): Promise<unknown[][]> {
    const [row] = await this.send(sql, params);
    if (row === undefined) return [];
    // Through Prisma (in a transaction) the JSON arrives parsed; from the pool, as its text.
    const page = row[0];
    return (typeof page === 'string' ? JSON.parse(page) : (page ?? [])) as unknown[][];
  }

  /**
   * Runs one of our own SQL statements as {@link RequestDb.columns} does and returns its
   * rows, each the array of its values, for ../sql/codecs.ts to decode: on the pool as
   * PostgreSQL's text, in a transaction as Prisma gives them.
   */
  rows(sql: string, params: unknown[]): Promise<unknown[][]> {
    return this.send(sql, params);
  }

  private async send(sql: string, params: unknown[]): Promise<unknown[][]> {
    const { tx } = this;
    if (tx) {
      // In a transaction, through its connection, so the statement sees the transaction's rows.
      const rows = await this.inSlot(() => inOperationScope(this.scope, () => tx.$queryRawUnsafe<Array<Record<string, unknown>>>(sql, ...params)));
      return rows.map((row) => Object.values(row));
    }
    const name = this.handles.prepareStatements ? statementName(sql, params.length) : undefined;
    return this.inSlot(() => this.handles.pool.queryFor(this.scope, sql, params, name));
  }

  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    const { scope } = this;
    if (this.active >= this.maxConcurrent && !scope.cancelled) await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (scope.cancelled) {
      // Pass the wake-up on: a transaction's door is not told of the cancel itself.
      this.waiting.shift()?.();
      throw new DatabaseFailure('cancelled', scope.cancelled.reason);
    }
    this.active++;
    this.stats.roundTrips++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
