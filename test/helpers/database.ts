import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withClient } from '../../src/db/admin/with-client';
import { openDatabase, type Database } from '../../src/db/client';
import { samplePeak } from '../../bench/sampler';
import { onDatabase } from '../../src/db/admin/create-database';
import { TEMPLATE_DB } from './global-setup';

function adminUrl(): string {
  const url = process.env.TEST_ADMIN_URL;
  if (!url) throw new Error('TEST_ADMIN_URL is not set: run tests through jest so that global-setup.ts runs');
  return url;
}

/** Runs one statement on the server's maintenance connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  return withClient(adminUrl(), (client) => client.query<R>(sql, params));
}

export interface TestDatabase {
  name: string;
  /** URL of the fresh database (no pool parameters). */
  url: string;
  drop(): Promise<void>;
}

/** A fresh copy of the seeded template, for one test file. */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await adminQuery(options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
  return {
    name,
    url: onDatabase(adminUrl(), name),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Server connections to `database`, optionally only those of one application_name. */
export async function serverConnections(database: string, applicationName?: string): Promise<number> {
  const { rows } = await adminQuery<{ n: string }>(
    'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND ($2::text IS NULL OR application_name = $2) AND pid <> pg_backend_pid()',
    [database, applicationName ?? null],
  );
  return Number(rows[0].n);
}

/** Runs `work` while sampling {@link serverConnections}: what it returns, and the most connections seen at once. */
export async function peakConnectionsDuring<T>(database: string, applicationName: string, work: () => Promise<T>): Promise<{ peak: number; result: T }> {
  const stop = samplePeak(() => serverConnections(database, applicationName), 2);
  const result = await work().finally(stop);
  return { peak: await stop(), result };
}

/**
 * Gives a test file its own fresh copy of the seeded template, made in beforeAll and
 * dropped in afterAll. Read `.database` inside tests.
 */
export function useTestDatabase(): { database: TestDatabase } {
  const handle = {} as { database: TestDatabase };
  beforeAll(async () => {
    handle.database = await createTestDatabase();
  });
  afterAll(async () => {
    await handle.database?.drop();
  });
  return handle;
}

/**
 * A test file's own database, as {@link useTestDatabase}, with the product's pool and
 * PrismaClient open on it (`connection_limit` connections), closed before it is dropped.
 * Read `.database` and `.db` inside tests.
 */
export function useTestPool(connectionLimit: number): { database: TestDatabase; db: Database } {
  const handle = {} as { database: TestDatabase; db: Database };
  beforeAll(async () => {
    handle.database = await createTestDatabase();
    handle.db = openDatabase(`${handle.database.url}?connection_limit=${connectionLimit}`);
  });
  afterAll(async () => {
    await handle.db?.close();
    await handle.database?.drop();
  });
  return handle;
}
