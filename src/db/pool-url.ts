import { cpus } from 'node:os';

/** Pool settings taken from a Prisma-style `DATABASE_URL`. */
export interface PoolUrl {
  /** The URL handed to `pg`, without Prisma's pool parameters. */
  connectionString: string;
  /** `connection_limit`: most connections the pool opens. */
  max: number;
  /** `pool_timeout` in milliseconds: longest wait for a free connection; 0 waits forever. */
  acquireTimeoutMs: number;
  /**
   * Whether statements, ours and Prisma's, may be prepared once per connection.
   * `pgbouncer=true` (Prisma's flag for the same thing) turns it off: a transaction-mode
   * PgBouncer hands each statement to any server connection, where a prepared statement
   * may not exist.
   */
  prepareStatements: boolean;
}

/** Prisma's default pool size: `num_physical_cpus * 2 + 1`. */
export const DEFAULT_CONNECTION_LIMIT = cpus().length * 2 + 1;
/** Prisma's default `pool_timeout`, in seconds. */
export const DEFAULT_POOL_TIMEOUT_SECONDS = 10;

/**
 * Splits Prisma's `connection_limit`, `pool_timeout` (seconds) and `pgbouncer` off a
 * PostgreSQL URL, with Prisma's defaults when they are absent.
 * @throws Error when a parameter has a value Prisma would not accept
 */
export function parsePoolUrl(databaseUrl: string): PoolUrl {
  const url = new URL(databaseUrl);
  const limit = url.searchParams.get('connection_limit');
  const timeout = url.searchParams.get('pool_timeout');
  const pgbouncer = url.searchParams.get('pgbouncer');
  for (const name of ['connection_limit', 'pool_timeout', 'pgbouncer']) url.searchParams.delete(name);

  const max = limit === null ? DEFAULT_CONNECTION_LIMIT : Number(limit);
  if (!Number.isInteger(max) || max < 1) {
    throw new Error(`connection_limit in DATABASE_URL must be a positive integer, but got: ${limit}`);
  }
  const seconds = timeout === null ? DEFAULT_POOL_TIMEOUT_SECONDS : Number(timeout);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new Error(`pool_timeout in DATABASE_URL must be a number of seconds >= 0, but got: ${timeout}`);
  }
  if (pgbouncer !== null && pgbouncer !== 'true' && pgbouncer !== 'false') {
    throw new Error(`pgbouncer in DATABASE_URL must be true or false, but got: ${pgbouncer}`);
  }
  return { connectionString: url.toString(), max, acquireTimeoutMs: Math.round(seconds * 1000), prepareStatements: pgbouncer !== 'true' };
}
