/*
 * The practical upper bound: node:http and a pg.Pool, each operation answered by one
 * hand-written, prepared (named) statement. Each child page is its own index range
 * scan, `(… WHERE parent = outer ORDER BY … LIMIT n)` correlated to its parent row
 * (LATERAL), and the database returns plain rows, with child pages as text arrays;
 * Node puts the answer together. Building the answer's JSON inside PostgreSQL
 * (json_build_object / json_agg) cost the database 3–6× the CPU per request of the same
 * rows returned this way, measured one statement at a time (albums-tracks-genre: 7.7–9.4
 * ms against 1.5–2.7 ms of PostgreSQL CPU, with 1.3 ms more in Node), and on a machine
 * where both share the cores, the sum is what bounds throughput. It knows only the
 * benchmark's operations (by operationName) and skips GraphQL entirely.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { verifyToken, type Principal } from '../../src/auth/token';
import type { OperationName } from '../scenarios';
import { basketOf, type PurchaseInput } from '../../src/writes/purchase';

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** A row as pg sends it in text: every column a string (or null), text[] columns as arrays. */
type Row = Array<string | null | Array<string | null>>;
type Cells = Array<string | null>;

// Values stay as PostgreSQL's text (ids are strings in GraphQL, decimals exact), but a
// text[] column is parsed into an array.
const TEXT_ARRAY_OID = 1009;
const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY_OID as Parameters<typeof pg.types.getTypeParser>[0]);
const identity = (value: string) => value;
const TYPES = { getTypeParser: (oid: number) => (oid === TEXT_ARRAY_OID ? parseTextArray : identity) } as unknown as pg.CustomTypesConfig;

interface Statement {
  /** The prepared statement's name: pg parses and plans it once per connection. */
  name: string;
  sql: string;
  params(variables: Record<string, unknown>, viewer: Principal | undefined): unknown[];
  /** The GraphQL `data` object from the statement's rows. */
  answer(rows: Row[]): unknown;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const int = (text: string | null) => (text === null ? null : Number(text));
const artist = (id: string | null, name: string | null) => (id === null ? null : { id, name });

// A customer's invoices (up to `limit`, by id), one row per invoice with its first 20
// lines as a text[][]; customers without invoices keep a row with null invoice columns.
const invoicesOf = (limit: number, lineColumns: string) => `LEFT JOIN LATERAL (
    SELECT i.invoice_id, to_char(i.invoice_date, ${ISO_MS}) AS invoice_date, i.total,
      array(SELECT array[l.invoice_line_id::text, ${lineColumns}, t.track_id::text, t.name]
        FROM (SELECT invoice_line_id, quantity, unit_price, track_id FROM invoice_line WHERE invoice_id = i.invoice_id ORDER BY invoice_line_id LIMIT 20) l
        JOIN track t ON t.track_id = l.track_id ORDER BY l.invoice_line_id) AS lines
    FROM invoice i WHERE i.customer_id = c.customer_id ORDER BY i.invoice_id LIMIT ${limit}
  ) i ON true`;

/** Customers with their invoices from rows of (customer_id, first_name, last_name, invoice_id, invoice_date, total, lines). */
function customersFrom(rows: Row[], line: (cells: Cells) => Record<string, unknown>): Array<Record<string, unknown>> {
  const customers: Array<{ id: string; firstName: string; lastName: string; invoices: { nodes: unknown[] } }> = [];
  let current: (typeof customers)[number] | undefined;
  for (const [customerId, firstName, lastName, invoiceId, invoiceDate, total, lines] of rows) {
    if (current?.id !== customerId) {
      current = { id: customerId as string, firstName: firstName as string, lastName: lastName as string, invoices: { nodes: [] } };
      customers.push(current);
    }
    if (invoiceId !== null) {
      current.invoices.nodes.push({ id: invoiceId, invoiceDate, total, lines: { nodes: (lines as unknown as Cells[]).map(line) } });
    }
  }
  return customers;
}

const STATEMENTS: Record<OperationName, Statement> = {
  AlbumById: {
    name: 'bench_album_by_id',
    sql: 'SELECT album_id, title FROM album WHERE album_id = $1',
    params: (v) => [Number(v.id)],
    answer: (rows) => ({ album: rows.length === 0 ? null : { id: rows[0][0], title: rows[0][1] } }),
  },
  SearchAlbums: {
    name: 'bench_search_albums',
    sql: `SELECT a.album_id, a.title, ar.artist_id, ar.name
      FROM (SELECT album_id, title, artist_id FROM album WHERE title ILIKE '%' || $1 || '%' ORDER BY title, album_id LIMIT 20) a
      JOIN artist ar ON ar.artist_id = a.artist_id ORDER BY a.title, a.album_id`,
    params: (v) => [escapeLike(String(v.title))],
    answer: (rows) => ({ albums: { nodes: rows.map(([id, title, artistId, name]) => ({ id, title, artist: { id: artistId, name } })) } }),
  },
  AlbumsWithTracks: {
    name: 'bench_albums_with_tracks',
    sql: `SELECT a.album_id, a.title, ar.artist_id, ar.name,
        array(SELECT array[t.track_id::text, t.name, g.genre_id::text, g.name]
          FROM (SELECT track_id, name, genre_id FROM track WHERE album_id = a.album_id ORDER BY track_id LIMIT 20) t
          LEFT JOIN genre g ON g.genre_id = t.genre_id ORDER BY t.track_id) AS tracks
      FROM (SELECT album_id, title, artist_id FROM album ORDER BY title, album_id LIMIT 50) a
      JOIN artist ar ON ar.artist_id = a.artist_id ORDER BY a.title, a.album_id`,
    params: () => [],
    answer: (rows) => ({
      albums: {
        nodes: rows.map(([id, title, artistId, name, tracks]) => ({
          id,
          title,
          artist: { id: artistId, name },
          tracks: { nodes: (tracks as unknown as Cells[]).map(([trackId, trackName, genreId, genreName]) => ({ id: trackId, name: trackName, genre: genreId === null ? null : { id: genreId, name: genreName } })) },
        })),
      },
    }),
  },
  CustomersWithInvoices: {
    // Customers of the viewing employee's reporting subtree, or the viewing customer alone.
    name: 'bench_customers_with_invoices',
    sql: `SELECT c.customer_id, c.first_name, c.last_name, i.invoice_id, i.invoice_date, i.total, i.lines
      FROM (SELECT customer_id, first_name, last_name FROM customer WHERE CASE WHEN $1 = 'employee'
          THEN support_rep_id IN (SELECT employee_id FROM reporting_line WHERE manager_id = $2) ELSE customer_id = $2 END
        ORDER BY customer_id LIMIT 20) c
      ${invoicesOf(20, 'l.quantity::text, l.unit_price::text')}
      ORDER BY c.customer_id, i.invoice_id`,
    params: (_, viewer) => (viewer!.role === 'employee' ? ['employee', viewer!.employeeId] : ['customer', viewer!.customerId]),
    answer: (rows) => ({ customers: { nodes: customersFrom(rows, ([id, quantity, unitPrice, trackId, name]) => ({ id, quantity: int(quantity), unitPrice, track: { id: trackId, name } })) } }),
  },
  PlaylistsWithTracks: {
    name: 'bench_playlists_with_tracks',
    sql: `SELECT p.playlist_id, p.name,
        array(SELECT array[t.track_id::text, t.name, a.album_id::text, a.title, ar.artist_id::text, ar.name]
          FROM (SELECT track_id, position FROM playlist_track WHERE playlist_id = p.playlist_id ORDER BY position LIMIT 20) pt
          JOIN track t ON t.track_id = pt.track_id LEFT JOIN album a ON a.album_id = t.album_id LEFT JOIN artist ar ON ar.artist_id = a.artist_id
          ORDER BY pt.position) AS tracks
      FROM (SELECT playlist_id, name FROM playlist ORDER BY name, playlist_id LIMIT 10) p ORDER BY p.name, p.playlist_id`,
    params: () => [],
    answer: (rows) => ({
      playlists: {
        nodes: rows.map(([id, name, tracks]) => ({
          id,
          name,
          tracks: {
            nodes: (tracks as unknown as Cells[]).map(([trackId, trackName, albumId, title, artistId, artistName]) => ({
              id: trackId,
              name: trackName,
              album: albumId === null ? null : { id: albumId, title, artist: artist(artistId, artistName) },
            })),
          },
        })),
      },
    }),
  },
  MyInvoices: {
    name: 'bench_my_invoices',
    sql: `SELECT c.customer_id, c.first_name, c.last_name, i.invoice_id, i.invoice_date, i.total, i.lines
      FROM (SELECT customer_id, first_name, last_name FROM customer WHERE customer_id = $1) c
      ${invoicesOf(10, 'l.quantity::text')}
      ORDER BY i.invoice_id`,
    params: (_, viewer) => [viewer?.role === 'customer' ? viewer.customerId : 0],
    answer: (rows) => ({ me: { customer: customersFrom(rows, ([id, quantity, trackId, name]) => ({ id, quantity: int(quantity), track: { id: trackId, name } }))[0] ?? null } }),
  },
  Purchase: {
    // The invoice and its lines in one statement, as the product does (a bound: it leaves
    // out the product's replay of a key already used).
    name: 'bench_purchase',
    sql: `WITH items AS (
        SELECT i.track_id, i.quantity, i.ord, t.unit_price
        FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS i(track_id, quantity, ord) JOIN track t ON t.track_id = i.track_id
      ), made AS (
        INSERT INTO invoice (customer_id, invoice_date, billing_address, billing_city, billing_state, billing_country, billing_postal_code, total, idempotency_key, basket_hash)
        SELECT c.customer_id, now() AT TIME ZONE 'UTC', c.address, c.city, c.state, c.country, c.postal_code, (SELECT sum(unit_price * quantity) FROM items), $4, $5
        FROM customer c WHERE c.customer_id = $3 AND (SELECT count(*) FROM items) = cardinality($1::int[])
        ON CONFLICT (customer_id, idempotency_key) DO NOTHING
        RETURNING invoice_id, total
      ), lines AS (
        INSERT INTO invoice_line (invoice_id, track_id, unit_price, quantity)
        SELECT m.invoice_id, i.track_id, i.unit_price, i.quantity FROM made m CROSS JOIN items i ORDER BY i.ord
        RETURNING 1
      )
      SELECT m.total, (SELECT count(*) FROM lines) FROM made m`,
    params: (v, viewer) => {
      const input = v.input as PurchaseInput;
      const basket = basketOf(input);
      return [basket.trackIds, basket.quantities, viewer?.role === 'customer' ? viewer.customerId : 0, input.idempotencyKey, basket.hash];
    },
    answer: (rows) => ({ purchase: rows.length === 0 ? null : { replayed: false, invoice: { total: rows[0][0], lineCount: int(rows[0][1] as string) } } }),
  },
};

const SIGNED_IN: ReadonlySet<OperationName> = new Set(['CustomersWithInvoices', 'MyInvoices', 'Purchase']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface RawSqlServer {
  url: string;
  server: Server;
  /** Statements sent since start. */
  statements(): number;
  stop(): Promise<void>;
}

/** Starts the raw SQL server on a free loopback port. */
export async function startRawSqlServer(options: { connectionString: string; max: number; applicationName: string; jwtSecret: string }): Promise<RawSqlServer> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max, application_name: options.applicationName });
  pool.on('error', () => undefined);
  let statements = 0;
  const reply = (res: import('node:http').ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const error = (message: string, code: string) => JSON.stringify({ errors: [{ message, extensions: { code } }] });

  const server = createServer(async (req, res) => {
    try {
      const request = JSON.parse(await readBody(req)) as { operationName?: OperationName; variables?: Record<string, unknown> };
      const statement = request.operationName ? STATEMENTS[request.operationName] : undefined;
      if (!statement) return reply(res, 400, error(`Unknown operation ${request.operationName}`, 'BAD_USER_INPUT'));
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const viewer = token ? await verifyToken(token, options.jwtSecret).catch(() => undefined) : undefined;
      if (SIGNED_IN.has(request.operationName!) && !viewer) return reply(res, 401, error('Sign in first', 'UNAUTHENTICATED'));
      statements++;
      const result = await pool.query<Row>({
        name: statement.name,
        text: statement.sql,
        values: statement.params(request.variables ?? {}, viewer),
        rowMode: 'array',
        types: TYPES,
      });
      reply(res, 200, JSON.stringify({ data: statement.answer(result.rows) }));
    } catch (err) {
      reply(res, 500, error(err instanceof Error ? err.message : String(err), 'INTERNAL_SERVER_ERROR'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    statements: () => statements,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await pool.end();
    },
  };
}
