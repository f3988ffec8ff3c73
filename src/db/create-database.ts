import pg from 'pg';
import { parsePoolUrl } from './pool-url';
import { withClient } from './with-client';

/** PostgreSQL's codes for "database does not exist" and "database already exists". */
const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';

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
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  return withClient(url.toString(), async (admin) => {
    try {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      if (codeOf(err) === DUPLICATE_DATABASE) return false;
      throw err;
    }
  });
}
