import { openDatabase, type Database } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { createLoaders } from '../../src/loaders';
import { fieldsOf } from '../../src/sql/identifiers';
import { listStatement } from '../../src/sql/list-statement';
import { pagePlanner } from '../../src/sql/page-plan';
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
    expect(statements.some((s) => s.includes('CROSS JOIN LATERAL') && s.includes('"track"'))).toBe(true);
  });

  it('prepares each text once, and leaves texts with many parameters unnamed', async () => {
    const once = await preparedAfterReads('');
    const thrice = await preparedAfterReads('', 3);
    expect(thrice.sort()).toEqual(once.sort());
    expect(once.some((s) => s.includes('$40'))).toBe(false);
  });

  it('plans our statements once, with plans that cost a page its rows, not its tables, whatever the values', async () => {
    const db: Database = openDatabase(`${handle.database.url}?connection_limit=1`);
    try {
      // With the statistics a live database has, not the planner's defaults for tables never analysed.
      await db.pool.query('ANALYZE');
      const page = (parentId: number) => ({ parentId, page: { size: 5, cursor: undefined, backward: false, scope: { name: 'Album.tracks', types: ['Int'] } } });
      const select = { fields: ['album', 'id', 'name'], joins: [['album', ['artist', 'id', 'title'], [['artist', ['id', 'name']]]]] } as const;
      // PostgreSQL plans a prepared statement afresh for its first five runs, then keeps a
      // generic plan only if that looks no costlier than the plans for the values given.
      for (let i = 0; i < 8; i++) {
        const loaders = createLoaders(new RequestDb(db, 1));
        await Promise.all([loaders.albumById.load(1 + i), loaders.albumById.load(20 + i), loaders.trackById.load(1 + i)]);
        await loaders.tracksByPlaylistId.load({ ...page(1 + i), select });
        await loaders.tracksByAlbumId.load(page(1 + i));
      }
      const { rows } = await db.pool.query<{ name: string; statement: string; generic_plans: string; custom_plans: string }>(
        "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT % AS c0, %'",
      );
      // albumById for two ids, trackById for one, the two pages.
      expect(rows).toHaveLength(4);
      for (const row of rows) expect({ statement: row.statement, generic: Number(row.generic_plans) > 0, custom: Number(row.custom_plans) <= 5 }).toEqual({ statement: row.statement, generic: true, custom: true });
      // The generic plan, made blind to the values, must still cost a page its rows, not
      // its tables: each related row looked up by its index, no hash or merge join (which
      // read their inputs whole), and a table scanned whole only if it is tiny (genres,
      // media types), never one of hundreds of rows (albums, at this seed's scale).
      const { rows: sizes } = await db.pool.query<{ relname: string; rows: number }>("SELECT relname, reltuples::int AS rows FROM pg_class WHERE relkind = 'r'");
      const size = new Map(sizes.map((r) => [r.relname, r.rows]));
      const wholeTables = (plan: string[]) => [
        ...plan.flatMap((line) => /Hash Join|Merge Join/.exec(line)?.[0] ?? []),
        ...plan.flatMap((line) => /Seq Scan on (\w+)/.exec(line)?.[1] ?? []).filter((table) => (size.get(table) ?? 0) > 100),
      ];
      const client = await db.pool.connect();
      try {
        await client.query('SET plan_cache_mode = force_generic_plan');
        for (const { name, statement } of rows) {
          const values = statement.includes('$3') ? "'{1}', 5, 1" : statement.includes('$2') ? "'{1}', 5" : statement.includes('ANY') ? "'{1,2}'" : '1';
          const plan = await client.query(`EXPLAIN EXECUTE ${name}(${values})`);
          const lines = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']);
          expect({ statement, wholeTables: wholeTables(lines), plan: wholeTables(lines).length ? lines : [] }).toEqual({ statement, wholeTables: [], plan: [] });
          // A page aggregates its rows as the loop over the parents yields them, each
          // parent's page in its own order: nothing sorts them all again.
          const outermost = lines.map((line) => /^\s*(?:->\s+)?(Sort|Incremental Sort|Gather Merge|Gather|Nested Loop)\b/.exec(line)?.[1]).find(Boolean);
          if (statement.includes('LATERAL')) expect({ statement, outermost }).toEqual({ statement, outermost: 'Nested Loop' });
        }
      } finally {
        await client.query('RESET plan_cache_mode');
        client.release();
      }
    } finally {
      await db.close();
    }
  });

  it('plans an unfiltered list once', async () => {
    const db: Database = openDatabase(`${handle.database.url}?connection_limit=1`);
    try {
      const plan = pagePlanner('Album', {})({ fields: fieldsOf('Album'), joins: [] });
      for (let i = 0; i < 8; i++) {
        const { sql, params } = listStatement('Album', plan, { where: {}, fields: ['title', 'id'], descending: false, limit: 5 + i })!;
        await new RequestDb(db, 2).rows(sql, params);
      }
      const { rows } = await db.pool.query<{ generic_plans: string }>("SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE '%FROM \"album\" c ORDER BY%'");
      expect(rows.map((row) => Number(row.generic_plans) > 0)).toEqual([true]);
    } finally {
      await db.close();
    }
  });

  it('prepares nothing with pgbouncer=true', async () => {
    expect(await preparedAfterReads('&pgbouncer=true')).toEqual([]);
  });
});
