import { openDatabase, type Database } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { createLoaders } from '../../src/loaders';
import { useTestDatabase } from '../helpers/database';

// Statements, ours and Prisma's, are prepared once per connection, unless the URL says
// a transaction-mode PgBouncer sits between, where a connection is not the client's own.
const handle = useTestDatabase();

async function preparedAfterReads(query: string, reads = 1): Promise<string[]> {
  // One connection, so the statements listed are those the reads prepared on it.
  const db: Database = openDatabase(`${handle.database.url}?connection_limit=1${query}`);
  try {
    for (let i = 0; i < reads; i++) {
      const request = new RequestDb(db, 1);
      const loaders = createLoaders(request);
      await request.run((prisma) => prisma.album.findMany({ where: { artistId: 1 } }));
      await loaders.tracksByAlbumId.load({ parentId: 1, page: { size: 5, cursor: undefined, backward: false, scope: { name: 'Album.tracks', types: ['Int'] } } });
      // Prisma lists ids one placeholder each: a text this long is unlikely to come again.
      await request.run((prisma) => prisma.track.findMany({ where: { id: { in: Array.from({ length: 40 }, (_, j) => j + 1) } } }));
    }
    const { rows } = await db.pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
    return rows.map((r) => r.statement);
  } finally {
    await db.close();
  }
}

describe('prepared statements', () => {
  it('prepares Prisma’s statements and our page statements once per connection', async () => {
    const statements = await preparedAfterReads('');
    expect(statements.some((s) => s.includes('"public"."album"'))).toBe(true);
    expect(statements.some((s) => s.includes('array_agg') && s.includes('"track"'))).toBe(true);
  });

  it('prepares each text once, and leaves texts with many parameters unnamed', async () => {
    const once = await preparedAfterReads('');
    const thrice = await preparedAfterReads('', 3);
    expect(thrice.sort()).toEqual(once.sort());
    expect(once.some((s) => s.includes('$40'))).toBe(false);
  });

  it('prepares nothing with pgbouncer=true', async () => {
    expect(await preparedAfterReads('&pgbouncer=true')).toEqual([]);
  });
});
