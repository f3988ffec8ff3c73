import pg from 'pg';
import { operationScope, processStats, type OperationStats } from './stats';

/** A pooled connection that charges each statement to the operation holding it. */
class CountingClient extends pg.Client {
  operation: OperationStats | undefined;

  override query(...args: unknown[]): any {
    processStats.statements++;
    if (this.operation) this.operation.statements++;
    return (super.query as (...a: unknown[]) => unknown)(...args);
  }
}

/** Raised when no connection frees up within `pool_timeout`. */
export class PoolTimeoutError extends Error {
  readonly code = 'POOL_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`No database connection became free within ${timeoutMs} ms (pool_timeout)`);
    this.name = 'PoolTimeoutError';
  }
}

type ConnectCallback = (err: Error | undefined, client?: pg.PoolClient, done?: (release?: unknown) => void) => void;

/**
 * A `pg.Pool` that measures its use: statements, time waiting for a connection and
 * connections held, per operation (from {@link operationScope}) and for the process.
 * It stays a `pg.Pool`, so `@prisma/adapter-pg` accepts it as an external pool.
 */
export class InstrumentedPool extends pg.Pool {
  private readonly acquireTimeoutMs: number;
  private readonly acquireWaitListeners = new Set<(waitedMs: number) => void>();

  constructor(config: pg.PoolConfig) {
    super({ ...config, Client: CountingClient as unknown as typeof pg.Client });
    this.acquireTimeoutMs = config.connectionTimeoutMillis ?? 0;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    // Read the scope now: pg-pool may hand the connection over from another
    // request's release callback, where the async context is that request's.
    const operation = operationScope.getStore();
    const started = performance.now();
    const acquired = (client: pg.PoolClient): pg.PoolClient => {
      const waited = performance.now() - started;
      processStats.acquisitions++;
      processStats.acquireWaitMs += waited;
      for (const listener of this.acquireWaitListeners) listener(waited);
      (client as unknown as CountingClient).operation = operation;
      if (operation) {
        operation.acquireWaitMs += waited;
        operation.held++;
        if (operation.held > operation.peakConnections) operation.peakConnections = operation.held;
      }
      const release = client.release;
      client.release = (err?: Error | boolean) => {
        (client as unknown as CountingClient).operation = undefined;
        if (operation) operation.held--;
        return release.call(client, err);
      };
      return client;
    };
    const failed = (err: Error): Error => {
      if (err.message === 'timeout exceeded when trying to connect') {
        processStats.acquireTimeouts++;
        return new PoolTimeoutError(this.acquireTimeoutMs);
      }
      return err;
    };

    if (callback) {
      super.connect((err, client) => {
        if (err || !client) return callback(err ? failed(err) : err);
        acquired(client);
        callback(undefined, client, (release?: unknown) => client.release(release as Error));
      });
      return;
    }
    return super.connect().then(acquired, (err: Error) => Promise.reject(failed(err)));
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
