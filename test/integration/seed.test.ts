import pg from 'pg';
import { seed } from '../../prisma/seed';
import { generateSeedData } from '../../prisma/seed-data';
import { useTestDatabase } from '../helpers/database';

const handle = useTestDatabase();

async function one<R = any>(sql: string): Promise<R> {
  const client = new pg.Client({ connectionString: handle.database.url });
  await client.connect();
  try {
    return (await client.query(sql)).rows[0];
  } finally {
    await client.end();
  }
}

describe('seed', () => {
  it('is deterministic', () => {
    expect(generateSeedData(1)).toEqual(generateSeedData(1));
  });

  it('leaves a seeded database alone', async () => {
    const before = await one('SELECT count(*)::int AS n FROM track');
    expect(await seed(handle.database.url)).toEqual({ seeded: false, counts: {} });
    expect(await one('SELECT count(*)::int AS n FROM track')).toEqual(before);
  });

  it('fills a small store whose invoice totals add up', async () => {
    const counts = await one(`SELECT (SELECT count(*) FROM artist)::int AS artists, (SELECT count(*) FROM album)::int AS albums,
      (SELECT count(*) FROM track)::int AS tracks, (SELECT count(*) FROM genre)::int AS genres, (SELECT count(*) FROM media_type)::int AS media_types,
      (SELECT count(*) FROM playlist)::int AS playlists, (SELECT count(*) FROM employee)::int AS employees,
      (SELECT count(*) FROM customer)::int AS customers, (SELECT count(*) FROM invoice)::int AS invoices`);
    expect(counts).toEqual({ artists: 275, albums: 350, tracks: 3500, genres: 25, media_types: 5, playlists: 18, employees: 8, customers: 60, invoices: 400 });
    const mismatched = await one(`SELECT count(*)::int AS n FROM invoice i
      WHERE i.total <> (SELECT sum(l.unit_price * l.quantity) FROM invoice_line l WHERE l.invoice_id = i.invoice_id)`);
    expect(mismatched.n).toBe(0);
    const entries = await one('SELECT count(*)::int AS n FROM playlist_track');
    expect(entries.n).toBeGreaterThan(7000);
    expect(entries.n).toBeLessThan(9000);
  });

  it('reseeds with --reset and keeps serial ids past the seeded rows', async () => {
    const result = await seed(handle.database.url, { reset: true, scale: 0.5 });
    expect(result.seeded).toBe(true);
    expect(result.counts.track).toBe(1750);
    const next = await one(`INSERT INTO artist (name) VALUES ('New') RETURNING artist_id`);
    expect(next.artist_id).toBe(result.counts.artist + 1);
  });
});
