import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { applyMigrations } from '../../src/db/migrate';
import { seed } from '../../prisma/seed';

/** Name of the migrated, seeded database each test file clones. */
export const TEMPLATE_DB = 'media_store_test_template';

/**
 * Runs once per `npm test`: picks the server (TEST_DATABASE_URL, DATABASE_URL, or an
 * embedded PostgreSQL under .data/test) and builds the template database there.
 */
export default async function globalSetup(): Promise<void> {
  const configured = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  let adminUrl: string;
  if (configured) {
    adminUrl = configured;
  } else {
    const server = await startEmbeddedPostgres({ dataDir: join(__dirname, '..', '..', '.data', 'test'), database: 'postgres' });
    (globalThis as Record<string, unknown>).__embeddedPostgres = server;
    adminUrl = server.url;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, TEMPLATE_DB);
  await applyMigrations(templateUrl);
  await seed(templateUrl, { scale: 1 });
  // Workers start after this and inherit the environment.
  process.env.TEST_ADMIN_URL = adminUrl;
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
