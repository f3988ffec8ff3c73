import pg from 'pg';
import { parsePoolUrl } from '../pool-url';
import { withClient } from './with-client';

/** PostgreSQL's codes for "database does not exist" and "database already exists". */
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

/** The server's maintenance database, where databases are created and dropped from. */
const MAINTENANCE_DB = 'postgres';

const codeOf = (err: unknown) => (err as { code?: string }).code;

async function databaseExists(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
  } catch (err) {
    if (codeOf(err) === INVALID_CATALOG_NAME) return false;
    throw err;
  }
  await client.end();
  return true;
}

/**
 * Creates the database `databaseUrl` names when its server has none by that name, as
 * `prisma migrate deploy` does: connected to the server's `postgres` maintenance
 * database with the same credentials, which need the CREATEDB privilege.
 * @returns whether it created the database (false when it existed, or another process
 *   created it meanwhile)
 */
export async function createDatabaseIfMissing(databaseUrl: string): Promise<boolean> {
  const { connectionString } = parsePoolUrl(databaseUrl);
  if (await databaseExists(connectionString)) return false;
  return withClient(onDatabase(connectionString, MAINTENANCE_DB), async (admin) => {
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(databaseName(connectionString))}`);
      return true;
    } catch (err) {
      if (codeOf(err) === DUPLICATE_DATABASE) return false;
      throw err;
    }
  });
}

/** Drops the database `databaseUrl` names, ending its sessions, and creates it empty. */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const { connectionString } = parsePoolUrl(databaseUrl);
  const name = pg.escapeIdentifier(databaseName(connectionString));
  await withClient(onDatabase(connectionString, MAINTENANCE_DB), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
}

/** The same server URL with another database name. */
export function onDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The name of the database a URL names. */
export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
