import { join } from 'node:path';
import { prepareDatabase } from '../../src/db/admin/bootstrap';
import { onDatabase } from '../../src/db/admin/create-database';
import { seed } from '../../prisma/seed';

/** Name of the migrated, seeded database each test file clones. */
export const TEMPLATE_DB = 'media_store_test_template';

/**
 * Runs once per `npm test`: picks the server (TEST_DATABASE_URL, DATABASE_URL, or an
 * embedded PostgreSQL under .data/test) and builds the template database there afresh.
 */
export default async function globalSetup(): Promise<void> {
  const configured = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  const template = await prepareDatabase({
    url: configured ? onDatabase(configured, TEMPLATE_DB) : undefined,
    dataDir: join(__dirname, '..', '..', '.data', 'test'),
    database: TEMPLATE_DB,
    fresh: true,
  });
  (globalThis as Record<string, unknown>).__testDatabase = template;
  await seed(template.url, { scale: 1 });
  // Workers start after this and inherit the environment.
  process.env.TEST_ADMIN_URL = configured ?? onDatabase(template.url, 'postgres');
}
