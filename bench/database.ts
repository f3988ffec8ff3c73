import { join } from 'node:path';
import { prepareDatabase } from '../src/db/admin/bootstrap';
import { withClient } from '../src/db/admin/with-client';
import { seed } from '../prisma/seed';
import { generateSeedData } from '../prisma/seed-data';

export interface BenchDatabase {
  /** Plain PostgreSQL URL, without pool parameters. */
  url: string;
  /** The server's version and how the benchmark's connections authenticate, for the report. */
  version: string;
  sizes: { albums: number; customers: number; tracks: number; invoices: number };
  stop(): Promise<void>;
}

/**
 * The benchmark's own database: BENCH_DATABASE_URL when set, else an embedded PostgreSQL
 * under .data/bench. Migrated, and seeded at `scale` unless it already holds that scale.
 */
export async function prepareBenchDatabase(scale: number, log: (message: string) => void): Promise<BenchDatabase> {
  const database = await prepareDatabase({ url: process.env.BENCH_DATABASE_URL || undefined, dataDir: join(__dirname, '..', '.data', 'bench'), database: 'media_store_bench', log });
  const { url } = database;
  try {
    const expected = generateSeedData(scale);
    return await withClient({ connectionString: url, application_name: 'bench-setup' }, async (client) => {
      const count = async (table: string) => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
      if ((await count('track')) !== expected.tracks.id.length || (await count('invoice_line')) !== expected.invoiceLines.id.length) {
        log(`Seeding scale ${scale}…`);
        await seed(url, { scale, reset: true });
        // Settle the bulk load before measuring: without this, autovacuum and the
        // checkpoint it triggers land in the first server's cells.
        await client.query('VACUUM ANALYZE');
        await client.query('CHECKPOINT');
      }
      const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
      // What a new connection costs depends on how it authenticates (system_user: PostgreSQL ≥ 16).
      const auth = await client.query<{ a: string }>("SELECT coalesce(split_part(system_user, ':', 1), 'trust') AS a").then(
        (r) => `${r.rows[0].a} authentication`,
        () => 'authentication not known',
      );
      return {
        url,
        version: `${version}, ${auth}`,
        sizes: { albums: await count('album'), customers: await count('customer'), tracks: await count('track'), invoices: await count('invoice') },
        stop: database.stop,
      };
    });
  } catch (err) {
    await database.stop();
    throw err;
  }
}
