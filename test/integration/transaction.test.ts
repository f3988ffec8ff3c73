import { openDatabase } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { createLoaders } from '../../src/loaders';
import { useTestPool } from '../helpers/database';

const pool = useTestPool(3);

// The last 100 in playlist order: the entry inserted below, at the largest position, is among them.
const page = { size: 100, cursor: undefined, backward: true, scope: { name: 'Playlist.tracks', types: ['Int'] } };
const trackIdsOf = async (request: RequestDb, playlistId: number) =>
  (await createLoaders(request).tracksByPlaylistId.load({ parentId: playlistId, page })).nodes.map((t) => t.id);

describe('RequestDb.transaction', () => {
  it('reads a page inside the transaction that sees its uncommitted insert, which others do not see', async () => {
    const request = new RequestDb(pool.db, 2);
    const before = await trackIdsOf(new RequestDb(pool.db, 2), 1);
    const absent = (await pool.db.prisma.track.findFirst({ where: { id: { notIn: before } }, orderBy: { id: 'desc' } }))!.id;
    await expect(
      request.transaction(async (tx) => {
        await tx.run((prisma) => prisma.playlistTrack.create({ data: { playlistId: 1, trackId: absent, position: 1_000_000 } }));
        expect(await trackIdsOf(tx, 1)).toContain(absent);
        // Another request, on another connection, does not see it before commit.
        expect(await trackIdsOf(new RequestDb(pool.db, 2), 1)).not.toContain(absent);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await trackIdsOf(new RequestDb(pool.db, 2), 1)).toEqual(before);
    // Every statement went through the request's door: BEGIN, the insert, the page, ROLLBACK.
    expect(request.stats.statements).toBeGreaterThanOrEqual(4);
    expect(request.stats.peakConnections).toBe(1);
  });

  it('leaves by-id loaders answering fresh rows after a transaction that changed them', async () => {
    const request = new RequestDb(pool.db, 2);
    const loaders = createLoaders(request);
    const before = (await loaders.artistById.load(1))!;
    await request.transaction((tx) => tx.run((prisma) => prisma.artist.update({ where: { id: 1 }, data: { name: `${before.name} (renamed)` } })));
    expect((await loaders.artistById.load(1))!.name).toBe(`${before.name} (renamed)`);
    await pool.db.prisma.artist.update({ where: { id: 1 }, data: { name: before.name } });
  });

  it('times out before pool_timeout and gives its connection back', async () => {
    const short = openDatabase(`${pool.database.url}?connection_limit=1&pool_timeout=2`);
    try {
      expect(short.transactionTimeoutMs).toBeLessThan(2_000);
      const request = new RequestDb(short, 2);
      const started = Date.now();
      await expect(request.transaction((tx) => tx.run((prisma) => prisma.$queryRawUnsafe('SELECT pg_sleep(3)')))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_500);
      expect((await new RequestDb(short, 2).run((prisma) => prisma.artist.count())) > 0).toBe(true);
    } finally {
      await short.close();
    }
  });
});
