/*
 * PostGraphile as a peer: where it is installed, the GraphQL it is asked for each of the
 * benchmark's operations (its own schema's names, the same rows as the product's
 * answer), and how its answers are put in the product's shape so the two can be compared
 * before any load.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRequest } from '../scenarios';
import type { OperationName } from '../scenarios';

/** The bench-only folder PostGraphile is installed into (node_modules there is git-ignored). */
export const POSTGRAPHILE_DIR = join(__dirname, '..', 'peers', 'postgraphile');

/** The version the committed package-lock.json pins. */
export function postGraphileVersion(): string {
  const lock = JSON.parse(readFileSync(join(POSTGRAPHILE_DIR, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  return lock.packages['node_modules/postgraphile']?.version ?? 'unknown';
}

/**
 * Installs PostGraphile into its folder with `npm ci` from the committed lock file, unless
 * the pinned version is there already.
 */
export function ensurePostGraphileInstalled(log: (message: string) => void): void {
  const installed = join(POSTGRAPHILE_DIR, 'node_modules', 'postgraphile', 'package.json');
  const wanted = postGraphileVersion();
  if (existsSync(installed) && (JSON.parse(readFileSync(installed, 'utf8')) as { version: string }).version === wanted) return;
  log(`Installing PostGraphile ${wanted} into ${POSTGRAPHILE_DIR} (npm ci)…`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // Its packages ask for Node 22; server.js supplies the one newer API they use on Node 20.
  const run = spawnSync(npm, ['ci', '--prefix', POSTGRAPHILE_DIR, '--no-audit', '--no-fund', '--engine-strict=false', '--loglevel=error'], { stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`npm ci --prefix ${POSTGRAPHILE_DIR} failed (exit ${run.status ?? run.signal})`);
}

type Data = Record<string, any>;

interface Shape {
  query: string;
  variables(request: BenchRequest): Record<string, unknown>;
  /** PostGraphile's `data` in the product's shape. */
  toProduct(data: Data): Data;
}

// PostGraphile answers a `timestamp` column without a zone; the product answers ISO in UTC.
const iso = (value: string) => new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`).toISOString();
const id = (n: number | string) => String(n);
const artist = (a: Data | null) => a && { id: id(a.artistId), name: a.name };
const track = (t: Data | null) => t && { id: id(t.trackId), name: t.name };

const LINES = (fields: string) => `invoiceLinesByInvoiceId(first: 20, orderBy: INVOICE_LINE_ID_ASC) { nodes { invoiceLineId ${fields} trackByTrackId { trackId name } } }`;
const invoice = (i: Data, line: (l: Data) => Data) => ({
  id: id(i.invoiceId),
  invoiceDate: iso(i.invoiceDate),
  total: i.total,
  lines: { nodes: i.invoiceLinesByInvoiceId.nodes.map(line) },
});

// The subject of a bench token, `customer:<id>`, read without checking (the server checks it).
const customerOf = (request: BenchRequest) => {
  const payload = JSON.parse(Buffer.from(request.token!.split('.')[1], 'base64url').toString('utf8')) as { sub: string };
  return Number(/^customer:(\d+)$/.exec(payload.sub)![1]);
};

/**
 * PostGraphile's query for each benchmark operation, or null with the reason it cannot
 * be asked. Page sizes and orders are the product's defaults: nested pages of 20, albums
 * and playlists by title/name then id, everything else by id, playlist tracks by position.
 */
const SHAPES: Record<OperationName, Shape | string> = {
  AlbumById: {
    query: `query AlbumById($id: Int!) { albumByAlbumId(albumId: $id) { albumId title } }`,
    variables: (r) => ({ id: Number(r.variables!.id) }),
    toProduct: (d) => ({ album: d.albumByAlbumId && { id: id(d.albumByAlbumId.albumId), title: d.albumByAlbumId.title } }),
  },
  SearchAlbums: {
    query: `query SearchAlbums($title: String!) {
      allAlbums(first: 20, orderBy: [TITLE_ASC, ALBUM_ID_ASC], filter: { title: { includesInsensitive: $title } }) { nodes { albumId title artistByArtistId { artistId name } } }
    }`,
    variables: (r) => ({ title: r.variables!.title }),
    toProduct: (d) => ({ albums: { nodes: d.allAlbums.nodes.map((a: Data) => ({ id: id(a.albumId), title: a.title, artist: artist(a.artistByArtistId) })) } }),
  },
  AlbumsWithTracks: {
    query: `query AlbumsWithTracks {
      allAlbums(first: 50, orderBy: [TITLE_ASC, ALBUM_ID_ASC]) { nodes { albumId title artistByArtistId { artistId name }
        tracksByAlbumId(first: 20, orderBy: TRACK_ID_ASC) { nodes { trackId name genreByGenreId { genreId name } } } } }
    }`,
    variables: () => ({}),
    toProduct: (d) => ({
      albums: {
        nodes: d.allAlbums.nodes.map((a: Data) => ({
          id: id(a.albumId),
          title: a.title,
          artist: artist(a.artistByArtistId),
          tracks: {
            nodes: a.tracksByAlbumId.nodes.map((t: Data) => ({ id: id(t.trackId), name: t.name, genre: t.genreByGenreId && { id: id(t.genreByGenreId.genreId), name: t.genreByGenreId.name } })),
          },
        })),
      },
    }),
  },
  // The bench's manager is the top of the reporting tree and so sees every customer:
  // PostGraphile lists them all, with no access check of its own.
  CustomersWithInvoices: {
    query: `query CustomersWithInvoices {
      allCustomers(first: 20, orderBy: CUSTOMER_ID_ASC) { nodes { customerId firstName lastName
        invoicesByCustomerId(first: 20, orderBy: INVOICE_ID_ASC) { nodes { invoiceId invoiceDate total ${LINES('quantity unitPrice')} } } } }
    }`,
    variables: () => ({}),
    toProduct: (d) => ({
      customers: {
        nodes: d.allCustomers.nodes.map((c: Data) => ({
          id: id(c.customerId),
          firstName: c.firstName,
          lastName: c.lastName,
          invoices: {
            nodes: c.invoicesByCustomerId.nodes.map((i: Data) =>
              invoice(i, (l) => ({ id: id(l.invoiceLineId), quantity: l.quantity, unitPrice: l.unitPrice, track: track(l.trackByTrackId) })),
            ),
          },
        })),
      },
    }),
  },
  PlaylistsWithTracks: {
    query: `query PlaylistsWithTracks {
      allPlaylists(first: 10, orderBy: [NAME_ASC, PLAYLIST_ID_ASC]) { nodes { playlistId name
        playlistTracksByPlaylistId(first: 20, orderBy: POSITION_ASC) { nodes { trackByTrackId { trackId name
          albumByAlbumId { albumId title artistByArtistId { artistId name } } } } } } }
    }`,
    variables: () => ({}),
    toProduct: (d) => ({
      playlists: {
        nodes: d.allPlaylists.nodes.map((p: Data) => ({
          id: id(p.playlistId),
          name: p.name,
          tracks: {
            nodes: p.playlistTracksByPlaylistId.nodes.map(({ trackByTrackId: t }: Data) => ({
              id: id(t.trackId),
              name: t.name,
              album: t.albumByAlbumId && { id: id(t.albumByAlbumId.albumId), title: t.albumByAlbumId.title, artist: artist(t.albumByAlbumId.artistByArtistId) },
            })),
          },
        })),
      },
    }),
  },
  // The signed-in customer's id rides in the variables: PostGraphile verifies the token
  // but does not read the viewer from it.
  MyInvoices: {
    query: `query MyInvoices($customerId: Int!) {
      customerByCustomerId(customerId: $customerId) { customerId firstName lastName
        invoicesByCustomerId(first: 10, orderBy: INVOICE_ID_ASC) { nodes { invoiceId invoiceDate total ${LINES('quantity')} } } }
    }`,
    variables: (r) => ({ customerId: customerOf(r) }),
    toProduct: (d) => {
      const c = d.customerByCustomerId;
      return {
        me: {
          customer: c && {
            id: id(c.customerId),
            firstName: c.firstName,
            lastName: c.lastName,
            invoices: { nodes: c.invoicesByCustomerId.nodes.map((i: Data) => invoice(i, (l) => ({ id: id(l.invoiceLineId), quantity: l.quantity, track: track(l.trackByTrackId) }))) },
          },
        },
      };
    },
  },
  Purchase:
    'a purchase (an invoice and its lines in one transaction, prices read from the catalog, replay by idempotency key) needs a function in the database; PostGraphile alone offers row-by-row CRUD mutations',
};

/** Why PostGraphile cannot be asked `request`, or undefined when it can. */
export function postGraphileCannot(request: BenchRequest): string | undefined {
  const shape = SHAPES[request.operationName as OperationName];
  return typeof shape === 'string' ? shape : undefined;
}

/** The request PostGraphile is sent in place of `request` (which it must be able to answer). */
export function toPostGraphile(request: BenchRequest): BenchRequest {
  const shape = SHAPES[request.operationName as OperationName] as Shape;
  return { operationName: request.operationName, query: shape.query, variables: shape.variables(request), token: request.token };
}

/** PostGraphile's answer to `request` in the product's shape; an answer with errors is kept as it is. */
export function postGraphileAnswerAsProduct(request: BenchRequest, answer: unknown): unknown {
  const shape = SHAPES[request.operationName as OperationName] as Shape;
  const { data, errors } = answer as { data?: Data; errors?: unknown };
  if (errors || !data) return answer;
  return { data: shape.toProduct(data) };
}
