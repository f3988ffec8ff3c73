import pg from 'pg';
import { DatabaseFailure, PoolTimeoutError } from '../errors';
import { ArrayStatement } from './array-statement';
import { operationScope, processStats, type StatementScope } from './stats';

// pg gives the errors of a connection that died under a statement ("Connection
// terminated unexpectedly") no code; say what they are, so they read as an outage, not a
// bug. A dead client is no longer queryable (pg's own flags; stable through pg 8).
function tagLost(client: pg.Client, err: unknown): unknown {
  const state = client as unknown as { _queryable?: boolean; _ending?: boolean; _ended?: boolean };
  const lost = err && typeof err === 'object' && !('code' in err) && (state._queryable === false || state._ending || state._ended);
  return lost ? new DatabaseFailure('unavailable', err) : err;
}

/**
 * An error PostgreSQL reported for one statement, after which its connection goes on; not
 * a lost connection (class 08), a shutdown or termination (57P), an internal error (XX), nor
 * a prepared statement gone stale or missing (0A000 after a column's type changed, 26000),
 * which would fail again on that connection at every run.
 */
const isStatementError = (err: unknown): boolean =>
  err instanceof pg.DatabaseError && typeof err.code === 'string' && !/^(08|57P|XX)|^0A000$|^26000$/.test(err.code);

/** A pooled connection that charges each statement to the operation holding it. */
class CountingClient extends pg.Client {
  operation: StatementScope | undefined;

  override query(...args: unknown[]): any {
    processStats.statements++;
    if (this.operation) this.operation.stats.statements++;
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (err: unknown, ...rest: unknown[]) => void;
      args[last] = (err: unknown, ...rest: unknown[]) => callback(err ? tagLost(this, err) : err, ...rest);
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(tagLost(this, err)));
    return result;
  }

  // pg-pool's query() hears a lost connection through the client's 'error' event first.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error') args[0] = tagLost(this, args[0]);
    return super.emit(event, ...args);
  }
}

/** Longest wait for PostgreSQL to take a cancel request before its connection is given up on (and closed). */
const CANCEL_TIMEOUT_MS = 5_000;

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

/**
 * A `pg.Pool` that measures its use: statements, time waiting for a connection and
 * connections held, per operation (from {@link operationScope}) and for the process.
 * It stays a `pg.Pool`, so `@prisma/adapter-pg` accepts it as an external pool.
 */
export class InstrumentedPool extends pg.Pool {
  private readonly acquireTimeoutMs: number;
  private readonly acquireWaitListeners = new Set<(waitedMs: number) => void>();
  /**
   * Connections a cancel request was sent for, with whether PostgreSQL took the request
   * (true once it closed the cancel connection: the backend has been signalled) or it is
   * not known (false: the cancel connection failed or hung).
   */
  private readonly cancels = new WeakMap<pg.PoolClient, Promise<boolean>>();

  constructor(config: pg.PoolConfig) {
    super({ ...config, Client: CountingClient as unknown as typeof pg.Client });
    this.acquireTimeoutMs = config.connectionTimeoutMillis ?? 0;
  }

  // Prisma's checkouts (and pg-pool's own query()) come here: they are charged to the
  // operation in whose scope they run. Read it now: pg-pool may hand the connection over
  // from another request's release callback, where the async context is that request's.
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    return this.connectFor(operationScope.getStore(), callback);
  }

  /**
   * Runs one of our own statements ({@link ArrayStatement}: rows as arrays of text) on a
   * connection charged to `operation`, which is named here rather than read from the async
   * context: our own statements need no context carried across their awaits (see
   * {@link inOperationScope}).
   */
  async queryFor(operation: StatementScope, text: string, values: unknown[], name: string | undefined): Promise<Array<Array<string | null>>> {
    const client = await this.connectFor(operation);
    // As pg-pool's query() does: the connection's own error (it died under the statement)
    // is heard while it is checked out.
    let released = false;
    const release = (err?: Error) => {
      if (released) return;
      released = true;
      client.off('error', release);
      client.release(err);
    };
    client.once('error', release);
    // Released once the promise settles, not in the statement's callback: that runs inside
    // pg's parsing of the socket's data, whose next message (the backend's FATAL when it
    // is terminated) must still find this connection's error listener, not a connection
    // already handed to the next waiter, who has not yet listened.
    const rows = new Promise<Array<Array<string | null>>>((resolve, reject) => {
      client.query(new ArrayStatement(text, values, name, (err, result) => (err ? reject(err) : resolve(result))));
    });
    try {
      const result = await rows;
      release();
      return result;
    } catch (err) {
      // Read before the release, which may end the connection: a lost one is told by its state.
      const tagged = tagLost(client, err);
      // An SQL error (a cancelled statement's among them) leaves the connection in step:
      // pg has its ReadyForQuery before it sends another statement. Anything else closes it.
      release(isStatementError(err) ? undefined : (err as Error));
      throw tagged;
    }
  }

  private connectFor(operation: StatementScope | undefined): Promise<pg.PoolClient>;
  private connectFor(operation: StatementScope | undefined, callback?: ConnectCallback): Promise<pg.PoolClient> | void;
  private connectFor(operation: StatementScope | undefined, callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const started = performance.now();
    const waiting = this.waitClock();
    const acquired = (client: pg.PoolClient): pg.PoolClient => {
      waiting.stop();
      const waited = performance.now() - started;
      for (const listener of this.acquireWaitListeners) listener(waited);
      (client as unknown as CountingClient).operation = operation;
      if (operation) {
        const { stats } = operation;
        operation.clients.add(client);
        stats.acquireWaitMs += waited;
        stats.held++;
        if (stats.held > stats.peakConnections) stats.peakConnections = stats.held;
      }
      const release = client.release;
      client.release = (err?: Error | boolean) => {
        (client as unknown as CountingClient).operation = undefined;
        if (operation) {
          operation.clients.delete(client);
          operation.stats.held--;
        }
        client.release = release;
        const cancel = this.cancels.get(client);
        if (cancel === undefined) return release.call(client, err);
        // A cancel request on its way could cancel the next statement run here, another
        // request's: the connection goes back only once PostgreSQL has signalled the backend
        // (a signal met between statements is ignored), and is closed if that is not known.
        this.cancels.delete(client);
        // Heard meanwhile, as the pool hears an idle connection's: it dies, and is closed.
        let lost = false;
        const onError = () => (lost = true);
        client.on('error', onError);
        void cancel.then((delivered) => {
          client.off('error', onError);
          release.call(client, delivered && !lost ? err : true);
        });
      };
      // An operation cancelled while it waited gets no connection: the next one does.
      if (operation?.cancelled) {
        client.release();
        throw new DatabaseFailure('cancelled', operation.cancelled.reason);
      }
      return client;
    };
    const failed = (err: Error): Error => {
      waiting.stop();
      if (waiting.ranOut && !('code' in err)) return new PoolTimeoutError(this.acquireTimeoutMs);
      // A connection that could not be opened (refused, reset, timed out) is an outage.
      return 'code' in err ? err : new DatabaseFailure('unavailable', err);
    };

    if (callback) {
      super.connect((err, client) => {
        if (err || !client) return callback(err ? failed(err) : err);
        try {
          acquired(client);
        } catch (refused) {
          return callback(refused as Error);
        }
        callback(undefined, client, (release?: unknown) => client.release(release as Error));
      });
      return;
    }
    return super.connect().then(acquired, (err: Error) => Promise.reject(failed(err)));
  }

  // pg-pool fails a checkout that waited in its queue past connectionTimeoutMillis with an
  // error that says so only in words. This clock, started just before pg-pool's timer of
  // the same length (so it fires first), tells that case by what happened instead. A
  // checkout that opens a new connection is not queued: its timeout is an outage.
  private waitClock(): { readonly ranOut: boolean; stop(): void } {
    const queued = this.acquireTimeoutMs > 0 && (this.idleCount > 0 || this.totalCount >= (this.options.max ?? 10));
    if (!queued) return { ranOut: false, stop: () => undefined };
    const clock = { ranOut: false, stop: () => clearTimeout(timer) };
    const timer = setTimeout(() => (clock.ranOut = true), this.acquireTimeoutMs);
    timer.unref();
    return clock;
  }

  /**
   * Asks PostgreSQL to cancel the statement running on `client` (the protocol's cancel
   * request, on a short-lived connection of its own). The statement fails with 57014. The
   * request is asynchronous, so the connection is released only once PostgreSQL has acted
   * on it (see the release in {@link connectFor}): then it is reused, not reopened, and a
   * client hanging up costs no new connection (fork, authentication, cold caches, plans).
   */
  cancel(client: pg.PoolClient): void {
    const target = client as unknown as { processID?: number; secretKey?: number; connectionParameters: { host: string; port: number } };
    if (!target.processID || this.cancels.has(client)) return;
    const { host, port } = target.connectionParameters;
    // pg's wire connection, for the protocol's CancelRequest (what psql sends on Ctrl-C).
    const connection = new pg.Connection() as unknown as import('node:events').EventEmitter & {
      connect(port: number | string, host: string): void;
      cancel(processID: number, secretKey: number): void;
      stream?: { destroy(): void };
    };
    this.cancels.set(
      client,
      new Promise<boolean>((resolve) => {
        let sent = false;
        // Bounds a cancel connection that does not answer.
        const timer = setTimeout(() => {
          resolve(false);
          connection.stream?.destroy();
        }, CANCEL_TIMEOUT_MS).unref();
        // PostgreSQL signals the backend, then closes the cancel connection.
        connection.once('end', () => {
          clearTimeout(timer);
          resolve(sent);
        });
        connection.on('error', () => resolve(false));
        connection.once('connect', () => {
          connection.cancel(target.processID!, target.secretKey!);
          sent = true;
        });
      }),
    );
    connection.connect(host.startsWith('/') ? `${host}/.s.PGSQL.${port}` : port, host);
  }

  /**
   * Calls `listener` with the milliseconds each checkout waited for its connection,
   * including checkouts outside any operation. Returns a function that unsubscribes.
   */
  onAcquireWait(listener: (waitedMs: number) => void): () => void {
    this.acquireWaitListeners.add(listener);
    return () => this.acquireWaitListeners.delete(listener);
  }

  /** Connections open, idle and requests waiting for one. */
  get usage(): { size: number; idle: number; waiting: number; max: number } {
    return { size: this.totalCount, idle: this.idleCount, waiting: this.waitingCount, max: this.options.max ?? 10 };
  }
}
