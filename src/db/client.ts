import type pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { InstrumentedPool } from './instrumented-pool';
import { parsePoolUrl } from './pool-url';
import { statementName } from './statements';
import { terminateConnections } from './terminate';

/** Longest wait for the server to terminate this pool's busy backends. */
const TERMINATE_TIMEOUT_MS = 2_000;

/** The process's one database handle: a pool we own and the PrismaClient over it. */
export interface Database {
  prisma: PrismaClient;
  pool: InstrumentedPool;
  /** Whether statements are prepared once per connection (off behind PgBouncer). */
  prepareStatements: boolean;
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
export function openDatabase(databaseUrl: string, options: { applicationName?: string } = {}): Database {
  const { connectionString, max, acquireTimeoutMs, prepareStatements } = parsePoolUrl(databaseUrl);
  const pool = new InstrumentedPool({
    connectionString,
    max,
    connectionTimeoutMillis: acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
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
    prisma,
    pool,
    prepareStatements,
    close: () => (closing ??= prisma.$disconnect().then(() => pool.end())),
    terminate: () => terminateConnections(connectionString, [...open], TERMINATE_TIMEOUT_MS),
  };
}
