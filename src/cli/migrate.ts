/**
 * `npm run db:migrate`: creates the database when it is missing, then applies pending
 * migrations (to the embedded PostgreSQL without DATABASE_URL).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { withDatabase } from '../db/admin/bootstrap';
import { createDatabaseIfMissing } from '../db/admin/create-database';

const HELP = `Usage: npm run db:migrate

Applies the pending migrations of prisma/migrations to the database in DATABASE_URL (the
embedded PostgreSQL under DATA_DIR when it is unset), and records them in
_prisma_migrations as \`prisma migrate deploy\` does, so either can follow the other.

When the database DATABASE_URL names does not exist, it is created first, as Prisma does:
through the server's \`postgres\` database, with the URL's credentials (CREATEDB needed).

  -h, --help   this text`;

void (async () => {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) return console.log(HELP);
  const config = loadConfig();
  if (config.databaseUrl && (await createDatabaseIfMissing(config.databaseUrl))) {
    console.error(`Created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  }
  await withDatabase(config, async () => undefined);
  console.log('Migrations are up to date.');
})().catch((err: Error) => {
  console.error(err.message);
  process.exitCode = 1;
});
