import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { InstrumentedPool } from './instrumented-pool';
import { parsePoolUrl } from './pool-url';
import { statementName } from './statements';
import { terminateConnections } from './terminate';

/** Longest wait for the server to terminate this pool's busy backends. */
const TERMINATE_TIMEOUT_MS = 2_000;

/** Longest a statement may run unless configured (STATEMENT_TIMEOUT_MS). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;

/** The process's one database handle: a pool we own and the PrismaClient over it. */
export interface Database {
  /** The PostgreSQL URL connections open with (Prisma's pool parameters taken off). */
  url: string;
  prisma: PrismaClient;
  pool: InstrumentedPool;
  /** Whether statements are prepared once per connection (off behind PgBouncer). */
  prepareStatements: boolean;
  /** Longest a transaction may run: under `pool_timeout`, at most 5 s. */
  transactionTimeoutMs: number;
  /** `pool_timeout` in ms (0: wait forever). */
  acquireTimeoutMs: number;
  /**
   * Disconnects Prisma and closes every pooled connection, once those checked out are
   * released. Safe to call twice.
   */
  close(): Promise<void>;
  /**
   * Cuts the connections still checked out (statements still running fail), so a pending
   * {@link Database.close} can finish. For shutdown, after the grace period.
   */
  terminate(): Promise<void>;
}

/**
 * Opens the shared pool and PrismaClient for a Prisma-style `DATABASE_URL`:
 * `connection_limit` becomes the pool's `max`, `pool_timeout` (seconds) its acquire timeout,
 * and `pgbouncer=true` stops statements from being prepared.
 */
export function openDatabase(databaseUrl: string, options: { applicationName?: string; statementTimeoutMs?: number } = {}): Database {
  const { connectionString, max, acquireTimeoutMs, prepareStatements } = parsePoolUrl(databaseUrl);
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const pool = new InstrumentedPool({
    connectionString,
    max,
    connectionTimeoutMillis: acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Sent when each connection opens, so no statement runs unbounded. A transaction-mode
    // PgBouncer refuses startup parameters: behind it, set it on the role instead
    // (ALTER ROLE … SET statement_timeout).
    ...(prepareStatements && statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    // An application_name in the URL wins, so operators can tell processes apart.
    ...(new URL(connectionString).searchParams.has('application_name') ? {} : { application_name: options.applicationName ?? 'media-store-api' }),
  });
  // An idle connection that the server drops (restart, idle timeout) emits here;
  // pg-pool discards it and the next checkout opens a new one.
  pool.on('error', () => undefined);
  const open = new Set<pg.Client>();
  pool.on('connect', (client) => open.add(client));
  pool.on('remove', (client) => open.delete(client));
  // pg runs a statement unnamed when the generator gives no name (past the cap).
  const statementNameGenerator = prepareStatements ? ({ sql, args }: { sql: string; args: unknown[] }) => statementName(sql, args.length) as string : undefined;
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator }) });
  let closing: Promise<void> | undefined;
  return {
    url: connectionString,
    prisma,
    pool,
    prepareStatements,
    transactionTimeoutMs: acquireTimeoutMs > 0 ? Math.min(5_000, Math.max(500, acquireTimeoutMs / 2)) : 5_000,
    acquireTimeoutMs,
    close: () => (closing ??= prisma.$disconnect().then(() => pool.end())),
    terminate: () => terminateConnections(connectionString, [...open], TERMINATE_TIMEOUT_MS),
  };
}
