import { setTimeout as sleep } from 'node:timers/promises';
import { RequestDb } from '../../src/db/request-db';
import { operationScope } from '../../src/db/stats';
import { useTestPool } from '../helpers/database';

const pool = useTestPool(3);

// Prisma's statements are charged through an async context that is on only while Prisma
// work is in flight (src/pool.db/stats.ts); our own statements name their request.
describe('statement scope', () => {
  it("charges Prisma's statements to their request while another request's Prisma work ends first", async () => {
    const slow = new RequestDb(pool.db, 2);
    const quick = new RequestDb(pool.db, 2);
    const slowWork = slow.run(async (prisma) => {
      await sleep(100);
      return prisma.album.count();
    });
    await quick.run((prisma) => prisma.artist.count());
    await slowWork;
    expect(quick.stats.statements).toBe(1);
    expect(slow.stats.statements).toBe(1);
  });

  it('carries no scope once no Prisma work is in flight', async () => {
    const request = new RequestDb(pool.db, 2);
    let later: Promise<unknown> | undefined;
    await request.run(async (prisma) => {
      // Settles after the work has ended: the context it was made in is gone by then.
      later = sleep(50).then(() => operationScope.getStore());
      expect(operationScope.getStore()).toBeDefined();
      return prisma.artist.count();
    });
    expect(await later).toBeUndefined();
  });

  it('charges our own statements, outside any async context, to their request', async () => {
    const request = new RequestDb(pool.db, 2);
    const rows = await request.rows('SELECT count(*) FROM album WHERE album_id = ANY($1::int[])', [[1, 2]]);
    expect(rows).toEqual([['2']]);
    expect(operationScope.getStore()).toBeUndefined();
    expect(request.stats.statements).toBe(1);
    expect(request.stats.peakConnections).toBe(1);
    expect(request.stats.held).toBe(0);
  });

  it('cancels every statement waiting in a transaction, not only the one running', async () => {
    const request = new RequestDb(pool.db, 2);
    const settled = request.transaction((tx) =>
      Promise.allSettled([tx.run((prisma) => prisma.$queryRawUnsafe('SELECT pg_sleep(2)')), tx.run((prisma) => prisma.artist.count()), tx.run((prisma) => prisma.album.count())]),
    );
    setTimeout(() => request.cancel(new Error('client hung up')), 300);
    const started = Date.now();
    const results = await settled.catch((err: unknown) => [{ status: 'rejected', reason: err }]);
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
