/**
 * Seeds the store with deterministic demo data: `npm run db:seed -- [--scale N] [--reset]`.
 * Without DATABASE_URL it seeds the embedded PostgreSQL. A seeded database is left as
 * it is unless --reset is given.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateSeedData } from './seed-data';

export interface SeedOptions {
  scale?: number;
  /** Empty every table first. */
  reset?: boolean;
}

export interface SeedResult {
  seeded: boolean;
  counts: Record<string, number>;
}

type Columns = Record<string, readonly unknown[]>;

// One INSERT … SELECT FROM unnest(…) per table: a single round trip for any row count.
async function insert(client: pg.ClientBase, table: string, columns: Columns, types: string[]): Promise<number> {
  const names = Object.keys(columns);
  const params = names.map((_, i) => `$${i + 1}::${types[i]}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${params})`;
  const result = await client.query(sql, Object.values(columns));
  return result.rowCount ?? 0;
}

const TABLES = ['invoice_line', 'invoice', 'customer', 'employee', 'playlist_track', 'playlist', 'track', 'genre', 'media_type', 'album', 'artist'];

/** Fills an empty (or, with `reset`, emptied) store database in one transaction. */
export async function seed(connectionString: string, options: SeedOptions = {}): Promise<SeedResult> {
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new Error(`--scale must be a positive number, but got: ${options.scale}`);
  const client = new pg.Client({ connectionString, application_name: 'media-store-seed' });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Serialises concurrent seeders (two servers starting on one database).
    await client.query("SELECT pg_advisory_xact_lock(hashtext('media-store-seed'))");
    if (options.reset) {
      await client.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    } else if ((await client.query('SELECT 1 FROM artist LIMIT 1')).rowCount) {
      await client.query('ROLLBACK');
      return { seeded: false, counts: {} };
    }
    const d = generateSeedData(scale);
    const counts: Record<string, number> = {};
    counts.artist = await insert(client, 'artist', { artist_id: d.artists.id, name: d.artists.name }, ['int', 'text']);
    counts.album = await insert(client, 'album', { album_id: d.albums.id, title: d.albums.title, artist_id: d.albums.artistId }, ['int', 'text', 'int']);
    counts.media_type = await insert(client, 'media_type', { media_type_id: d.mediaTypes.id, name: d.mediaTypes.name }, ['int', 'text']);
    counts.genre = await insert(client, 'genre', { genre_id: d.genres.id, name: d.genres.name }, ['int', 'text']);
    const t = d.tracks;
    counts.track = await insert(
      client, 'track',
      { track_id: t.id, name: t.name, album_id: t.albumId, media_type_id: t.mediaTypeId, genre_id: t.genreId, composer: t.composer, milliseconds: t.milliseconds, bytes: t.bytes, unit_price: t.unitPrice },
      ['int', 'text', 'int', 'int', 'int', 'text', 'int', 'int', 'numeric'],
    );
    counts.playlist = await insert(client, 'playlist', { playlist_id: d.playlists.id, name: d.playlists.name }, ['int', 'text']);
    counts.playlist_track = await insert(
      client, 'playlist_track',
      { playlist_id: d.playlistTracks.playlistId, track_id: d.playlistTracks.trackId, position: d.playlistTracks.position },
      ['int', 'int', 'int'],
    );
    const e = d.employees;
    counts.employee = await insert(
      client, 'employee',
      { employee_id: e.id, last_name: e.lastName, first_name: e.firstName, title: e.title, reports_to: e.reportsTo, birth_date: e.birthDate, hire_date: e.hireDate, country: e.country, city: e.city, email: e.email },
      ['int', 'text', 'text', 'text', 'int', 'date', 'date', 'text', 'text', 'text'],
    );
    const c = d.customers;
    counts.customer = await insert(
      client, 'customer',
      { customer_id: c.id, first_name: c.firstName, last_name: c.lastName, company: c.company, country: c.country, city: c.city, email: c.email, support_rep_id: c.supportRepId },
      ['int', 'text', 'text', 'text', 'text', 'text', 'text', 'int'],
    );
    const i = d.invoices;
    counts.invoice = await insert(
      client, 'invoice',
      { invoice_id: i.id, customer_id: i.customerId, invoice_date: i.invoiceDate, billing_country: i.billingCountry, billing_city: i.billingCity, total: i.total },
      ['int', 'int', 'timestamp', 'text', 'text', 'numeric'],
    );
    const l = d.invoiceLines;
    counts.invoice_line = await insert(
      client, 'invoice_line',
      { invoice_line_id: l.id, invoice_id: l.invoiceId, track_id: l.trackId, unit_price: l.unitPrice, quantity: l.quantity },
      ['int', 'int', 'int', 'numeric', 'int'],
    );
    // Explicit ids were inserted, so move each serial past them.
    for (const table of TABLES.filter((name) => name !== 'playlist_track')) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', '${table}_id'), coalesce(max(${table}_id), 0) + 1, false) FROM ${table}`);
    }
    await client.query('COMMIT');
    return { seeded: true, counts };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

const HELP = `Usage: npm run db:seed -- [--scale <n>] [--reset]

Fills the store with deterministic demo data, in one transaction, in the database in
DATABASE_URL (the embedded PostgreSQL under DATA_DIR when it is unset), migrating it first.
A database that already has data is left as it is unless --reset is given.

  --scale <n>  how much data: 1 (the default) is about 275 artists, 3,500 tracks and
               400 invoices; 10 takes a few seconds
  --reset      empty every table first, then seed
  -h, --help   this text`;

/** The command line's options, or undefined when it asks for help. */
function parseCommandLine(argv: string[]): SeedOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { scale: { type: 'string' }, reset: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return undefined;
  const scale = values.scale === undefined ? undefined : Number(values.scale);
  if (scale !== undefined && !(scale > 0)) throw new Error(`--scale must be a positive number, but got: ${values.scale}`);
  return { scale, reset: values.reset };
}

if (require.main === module) {
  // Imported lazily so that tests importing seed() do not load the server's modules.
  void (async () => {
    const options = parseCommandLine(process.argv.slice(2));
    if (!options) return console.log(HELP);
    const { withDatabase } = await import('../src/db/admin/bootstrap');
    const { loadConfig } = await import('../src/config');
    const started = Date.now();
    const result = await withDatabase(loadConfig(), (url) => seed(url, options));
    console.log(result.seeded ? `Seeded in ${Date.now() - started} ms: ${JSON.stringify(result.counts)}` : 'Database already seeded; use --reset to reseed.');
  })().catch((err) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
