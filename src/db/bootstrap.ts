import type { Config } from '../config';
import { startEmbeddedPostgres } from './embedded';
import { applyMigrations } from './migrate';

/** A database ready for the application: migrated, on the configured or embedded server. */
export interface PreparedDatabase {
  url: string;
  /** Stops the embedded server, if one was started; a configured server is left alone. */
  stop(): Promise<void>;
}

/**
 * Resolves the database for a run: `DATABASE_URL` when set, else the embedded PostgreSQL
 * under the data folder; then applies pending migrations.
 */
export async function prepareDatabase(config: Config, log: (msg: string) => void = () => undefined): Promise<PreparedDatabase> {
  const server = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, database: 'media_store', log });
  const url = config.databaseUrl ?? server!.url;
  try {
    const applied = await applyMigrations(url, undefined, { advisoryLock: config.migrationAdvisoryLock });
    if (applied.length > 0) log(`Applied migrations: ${applied.join(', ')}`);
  } catch (err) {
    await server?.stop();
    throw err;
  }
  return { url, stop: async () => server?.stop() };
}

/** Runs `fn` against a prepared database, stopping an embedded server afterwards. */
export async function withDatabase<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await prepareDatabase(config, (msg) => console.error(msg));
  try {
    return await fn(db.url);
  } finally {
    await db.stop();
  }
}
