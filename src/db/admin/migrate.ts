import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MigrationError } from '../../errors';

/** Prisma's advisory lock key for migrations (schema engine, `ADVISORY_LOCK_TIMEOUT` 10 s). */
const PRISMA_ADVISORY_LOCK = 72707369;
const LOCK_TIMEOUT_MS = 10_000;

/** The folder Prisma creates migrations in. */
export const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'prisma', 'migrations');

/** SHA-256 of a migration script as Prisma records it: hex of the raw bytes. */
export function migrationChecksum(script: string | Buffer): string {
  return createHash('sha256').update(script).digest('hex');
}

/** Migration folder names under `dir`, in the order Prisma applies them. */
export function listMigrations(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory() && existsSync(join(dir, name, 'migration.sql')))
    .sort((a, b) => a.localeCompare(b));
}

function checkLockFile(dir: string): void {
  const lockFile = join(dir, 'migration_lock.toml');
  if (!existsSync(lockFile)) return;
  const provider = /^provider\s*=\s*"([^"]+)"/m.exec(readFileSync(lockFile, 'utf8'))?.[1];
  if (provider && provider !== 'postgresql') {
    throw new MigrationError('PROVIDER_MISMATCH', `migration_lock.toml is for provider "${provider}", but this database is postgresql`);
  }
}

async function lock(client: pg.Client): Promise<void> {
  await client.query(`SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK]);
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') {
      throw new MigrationError('MIGRATION_LOCK_TIMEOUT', `Another migration holds the advisory lock ${PRISMA_ADVISORY_LOCK}; gave up after ${LOCK_TIMEOUT_MS / 1000} s`);
    }
    throw err;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

async function ensureMigrationsTable(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string | null; others: string }>(
    `SELECT to_regclass('_prisma_migrations')::text AS name,
            (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())::text AS others`,
  );
  if (rows[0].name) return;
  if (rows[0].others !== '0') {
    throw new MigrationError(
      'SCHEMA_NOT_EMPTY',
      'The database schema is not empty and has no _prisma_migrations table; baseline it first (prisma migrate resolve --applied <name>)',
    );
  }
  await client.query(`CREATE TABLE _prisma_migrations (
    id                  VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum            VARCHAR(64) NOT NULL,
    finished_at         TIMESTAMPTZ,
    migration_name      VARCHAR(255) NOT NULL,
    logs                TEXT,
    rolled_back_at      TIMESTAMPTZ,
    started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count INTEGER NOT NULL DEFAULT 0
  )`);
}

/**
 * Applies pending migrations from `dir` the way `prisma migrate deploy` does, and records
 * them in `_prisma_migrations` exactly as Prisma would, so the Prisma CLI and this
 * applier can take turns on one database.
 * @returns names of the migrations applied now (empty when up to date)
 * @throws MigrationError P3009 when an earlier migration failed and was not resolved,
 *   P3018 when one fails now (its row keeps the error in `logs`)
 */
export async function applyMigrations(connectionString: string, dir: string = MIGRATIONS_DIR, options: { advisoryLock?: boolean } = {}): Promise<string[]> {
  checkLockFile(dir);
  const client = new pg.Client({ connectionString, application_name: 'media-store-migrate' });
  await client.connect();
  try {
    // As Prisma: PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK (read by config.ts) turns the lock off.
    if (options.advisoryLock !== false) await lock(client);
    await ensureMigrationsTable(client);

    const failed = await client.query<{ migration_name: string; logs: string | null }>(
      'SELECT migration_name, logs FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL ORDER BY started_at',
    );
    if (failed.rowCount) {
      const { migration_name: name, logs } = failed.rows[0];
      throw new MigrationError(
        'P3009',
        `Migration ${name} failed earlier and blocks new migrations. Fix the database, then run ` +
          `\`prisma migrate resolve --rolled-back ${name}\` (or --applied). Its error was: ${logs ?? 'unknown'}`,
      );
    }
    const applied = new Set(
      (await client.query<{ migration_name: string }>('SELECT migration_name FROM _prisma_migrations WHERE rolled_back_at IS NULL')).rows.map(
        (r) => r.migration_name,
      ),
    );

    const done: string[] = [];
    for (const name of listMigrations(dir).filter((n) => !applied.has(n))) {
      const script = readFileSync(join(dir, name, 'migration.sql'));
      const id = randomUUID();
      await client.query(
        'INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 0)',
        [id, migrationChecksum(script), name],
      );
      try {
        // One simple query: PostgreSQL runs a multi-statement script as one implicit transaction.
        await client.query(script.toString('utf8'));
      } catch (err) {
        const message = (err as Error).message;
        await client.query('UPDATE _prisma_migrations SET logs = $2 WHERE id = $1', [id, `Migration ${name} failed: ${message}`]);
        throw new MigrationError('P3018', `Migration ${name} failed to apply; nothing of it was kept. Database error: ${message}`);
      }
      await client.query('UPDATE _prisma_migrations SET applied_steps_count = applied_steps_count + 1 WHERE id = $1', [id]);
      await client.query('UPDATE _prisma_migrations SET finished_at = now() WHERE id = $1', [id]);
      done.push(name);
    }
    return done;
  } finally {
    // Closing the session releases the advisory lock.
    await client.end();
  }
}
