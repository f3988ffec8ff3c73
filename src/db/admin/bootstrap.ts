import type { Config } from '../../config';
import { recreateDatabase } from './create-database';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrate';

/** Where a run's database is: a configured server, or the embedded PostgreSQL. */
export interface DatabaseSource {
  /** The configured database; without it, `database` on the embedded PostgreSQL under `dataDir`. */
  url?: string;
  /** Folder of the embedded cluster (created on first start). */
  dataDir: string;
  /** Name of the database on the embedded server (created when missing). */
  database: string;
  /** Drop and create the database before migrating, for a run that must start from nothing. */
  fresh?: boolean;
  /** Take Prisma's advisory lock while migrating (default true). */
  advisoryLock?: boolean;
  log?: (message: string) => void;
}

/** A database ready for the application: migrated, on the configured or embedded server. */
export interface PreparedDatabase {
  url: string;
  /** Stops the embedded server, if one was started; a configured server is left alone. */
  stop(): Promise<void>;
}

/**
 * The one way every run gets its database (server, tests, benchmark, CLIs): the configured
 * URL, else the embedded PostgreSQL; then pending migrations applied. On failure an
 * embedded server it started is released again.
 */
export async function prepareDatabase(source: DatabaseSource): Promise<PreparedDatabase> {
  const log = source.log ?? (() => undefined);
  const server = source.url ? undefined : await startEmbeddedPostgres({ dataDir: source.dataDir, database: source.database, log });
  const url = source.url ?? server!.url;
  try {
    if (source.fresh) await recreateDatabase(url);
    const applied = await applyMigrations(url, undefined, { advisoryLock: source.advisoryLock });
    if (applied.length > 0) log(`Applied migrations: ${applied.join(', ')}`);
  } catch (err) {
    await server?.stop();
    throw err;
  }
  return { url, stop: async () => server?.stop() };
}

/** The application's database as `config` names it: DATABASE_URL, else `media_store` under DATA_DIR. */
export function configuredDatabase(config: Config, log?: (message: string) => void): DatabaseSource {
  return { url: config.databaseUrl, dataDir: config.dataDir, database: 'media_store', advisoryLock: config.migrationAdvisoryLock, log };
}

/** Runs `fn` against the configured database, prepared, stopping an embedded server afterwards. */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await prepareDatabase(configuredDatabase(config, (message) => console.error(message)));
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}
