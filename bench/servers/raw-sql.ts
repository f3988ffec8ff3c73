/*
 * The practical upper bound: node:http and a pg.Pool, each operation answered by one
 * hand-written statement that builds the whole JSON response inside PostgreSQL. It knows
 * only the benchmark's operations (by operationName) and skips GraphQL entirely.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { verifyToken, type Principal } from '../../src/auth/token';
import type { OperationName } from '../scenarios';
import { basketOf, type PurchaseInput } from '../../src/writes/purchase';

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const nodes = (aggregate: string) => `json_build_object('nodes', COALESCE((${aggregate}), '[]'::json))`;
const artistJson = (a: string) => `json_build_object('id', ${a}.artist_id::text, 'name', ${a}.name)`;
const data = (field: string, value: string) => `SELECT json_build_object('data', json_build_object('${field}', ${value}))::text AS body`;

const invoicesOf = (customer: string, limit: number, lineFields: string) =>
  nodes(`SELECT json_agg(json_build_object('id', i.invoice_id::text, 'invoiceDate', to_char(i.invoice_date, ${ISO_MS}), 'total', i.total::text,
      'lines', ${nodes(`SELECT json_agg(json_build_object('id', l.invoice_line_id::text, ${lineFields}, 'track', json_build_object('id', t.track_id::text, 'name', t.name)) ORDER BY l.invoice_line_id)
        FROM (SELECT * FROM invoice_line WHERE invoice_id = i.invoice_id ORDER BY invoice_line_id LIMIT 20) l JOIN track t ON t.track_id = l.track_id`)}) ORDER BY i.invoice_id)
    FROM (SELECT * FROM invoice WHERE customer_id = ${customer}.customer_id ORDER BY invoice_id LIMIT ${limit}) i`);

interface Statement {
  sql: string;
  params(variables: Record<string, unknown>, viewer: Principal | undefined): unknown[];
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const STATEMENTS: Record<OperationName, Statement> = {
  AlbumById: {
    sql: data('album', `(SELECT json_build_object('id', a.album_id::text, 'title', a.title) FROM album a WHERE a.album_id = $1)`),
    params: (v) => [Number(v.id)],
  },
  SearchAlbums: {
    sql: data(
      'albums',
      nodes(`SELECT json_agg(json_build_object('id', a.album_id::text, 'title', a.title, 'artist', ${artistJson('ar')}) ORDER BY a.title, a.album_id)
        FROM (SELECT * FROM album WHERE title ILIKE '%' || $1 || '%' ORDER BY title, album_id LIMIT 20) a JOIN artist ar ON ar.artist_id = a.artist_id`),
    ),
    params: (v) => [escapeLike(String(v.title))],
  },
  AlbumsWithTracks: {
    sql: data(
      'albums',
      nodes(`SELECT json_agg(json_build_object('id', a.album_id::text, 'title', a.title, 'artist', ${artistJson('ar')},
          'tracks', ${nodes(`SELECT json_agg(json_build_object('id', t.track_id::text, 'name', t.name,
              'genre', CASE WHEN g.genre_id IS NULL THEN NULL ELSE json_build_object('id', g.genre_id::text, 'name', g.name) END) ORDER BY t.track_id)
            FROM (SELECT * FROM track WHERE album_id = a.album_id ORDER BY track_id LIMIT 20) t LEFT JOIN genre g ON g.genre_id = t.genre_id`)}) ORDER BY a.title, a.album_id)
        FROM (SELECT * FROM album ORDER BY title, album_id LIMIT 50) a JOIN artist ar ON ar.artist_id = a.artist_id`),
    ),
    params: () => [],
  },
  CustomersWithInvoices: {
    // Customers of the viewing employee's reporting subtree, or the viewing customer alone.
    sql: data(
      'customers',
      nodes(`SELECT json_agg(json_build_object('id', c.customer_id::text, 'firstName', c.first_name, 'lastName', c.last_name,
          'invoices', ${invoicesOf('c', 20, `'quantity', l.quantity, 'unitPrice', l.unit_price::text`)}) ORDER BY c.customer_id)
        FROM (SELECT * FROM customer WHERE CASE WHEN $1 = 'employee'
            THEN support_rep_id IN (SELECT employee_id FROM reporting_line WHERE manager_id = $2) ELSE customer_id = $2 END
          ORDER BY customer_id LIMIT 20) c`),
    ),
    params: (_, viewer) => (viewer!.role === 'employee' ? ['employee', viewer!.employeeId] : ['customer', viewer!.customerId]),
  },
  PlaylistsWithTracks: {
    sql: data(
      'playlists',
      nodes(`SELECT json_agg(json_build_object('id', p.playlist_id::text, 'name', p.name,
          'tracks', ${nodes(`SELECT json_agg(json_build_object('id', t.track_id::text, 'name', t.name,
              'album', CASE WHEN a.album_id IS NULL THEN NULL ELSE json_build_object('id', a.album_id::text, 'title', a.title, 'artist', ${artistJson('ar')}) END) ORDER BY t.position)
            FROM (SELECT t.*, pt.position FROM playlist_track pt JOIN track t ON t.track_id = pt.track_id WHERE pt.playlist_id = p.playlist_id ORDER BY pt.position LIMIT 20) t
            LEFT JOIN album a ON a.album_id = t.album_id LEFT JOIN artist ar ON ar.artist_id = a.artist_id`)}) ORDER BY p.name, p.playlist_id)
        FROM (SELECT * FROM playlist ORDER BY name, playlist_id LIMIT 10) p`),
    ),
    params: () => [],
  },
  MyInvoices: {
    sql: data(
      'me',
      `json_build_object('customer', (SELECT json_build_object('id', c.customer_id::text, 'firstName', c.first_name, 'lastName', c.last_name,
          'invoices', ${invoicesOf('c', 10, `'quantity', l.quantity`)}) FROM customer c WHERE c.customer_id = $1))`,
    ),
    params: (_, viewer) => [viewer?.role === 'customer' ? viewer.customerId : 0],
  },
  Purchase: {
    // The invoice and its lines in one statement, as the product does, answered in the same
    // statement (a bound: it leaves out the product's replay of a key already used).
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
      ${data('purchase', `(SELECT json_build_object('replayed', false, 'invoice', json_build_object('total', m.total::text, 'lineCount', (SELECT count(*) FROM lines))) FROM made m)`)}`,
    params: (v, viewer) => {
      const input = v.input as PurchaseInput;
      const basket = basketOf(input);
      return [basket.trackIds, basket.quantities, viewer?.role === 'customer' ? viewer.customerId : 0, input.idempotencyKey, basket.hash];
    },
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
      const result = await pool.query<{ body: string }>(statement.sql, statement.params(request.variables ?? {}, viewer));
      reply(res, 200, result.rows[0].body);
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
