/*
 * What the benchmark asks. Every server receives the same HTTP requests: a GraphQL
 * POST with an operationName, which the raw SQL server dispatches on.
 */
import { signToken } from '../src/auth/token';
import { NOUNS, WORDS } from '../prisma/seed-data';

export interface BenchRequest {
  operationName: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Bearer token, for operations that need a signed-in viewer. */
  token?: string;
  /** A purchase: each send carries a fresh `input.idempotencyKey`, so none is a replay. */
  purchase?: true;
}

export interface Scenario {
  name: string;
  title: string;
  /** Three levels or more: the scenarios the batching targets are set on. */
  nested: boolean;
  /** Sent in turn by every load-generator connection. */
  requests: BenchRequest[];
}

export const QUERIES = {
  AlbumById: /* GraphQL */ `query AlbumById($id: ID!) { album(id: $id) { id title } }`,
  SearchAlbums: /* GraphQL */ `query SearchAlbums($title: String!) {
    albums(first: 20, filter: { titleContains: $title }) { nodes { id title artist { id name } } }
  }`,
  AlbumsWithTracks: /* GraphQL */ `query AlbumsWithTracks {
    albums(first: 50) { nodes { id title artist { id name } tracks { nodes { id name genre { id name } } } } }
  }`,
  CustomersWithInvoices: /* GraphQL */ `query CustomersWithInvoices {
    customers(first: 20) { nodes { id firstName lastName
      invoices { nodes { id invoiceDate total lines { nodes { id quantity unitPrice track { id name } } } } } } }
  }`,
  PlaylistsWithTracks: /* GraphQL */ `query PlaylistsWithTracks {
    playlists(first: 10) { nodes { id name tracks(first: 20) { nodes { id name album { id title artist { id name } } } } } }
  }`,
  MyInvoices: /* GraphQL */ `query MyInvoices {
    me { customer { id firstName lastName invoices(first: 10) { nodes { id invoiceDate total lines { nodes { id quantity track { id name } } } } } } }
  }`,
  Purchase: /* GraphQL */ `mutation Purchase($input: PurchaseInput!) {
    purchase(input: $input) { replayed invoice { total lineCount } }
  }`,
} as const;

export type OperationName = keyof typeof QUERIES;

const op = (operationName: OperationName, variables?: Record<string, unknown>, token?: string): BenchRequest => ({
  operationName,
  query: QUERIES[operationName],
  variables,
  token,
});

// Spreads ids over the table with a fixed stride, so runs are repeatable but not all hits on one row.
const spread = (count: number, max: number) => Array.from({ length: count }, (_, i) => 1 + ((i * 7919) % max));

export interface StoreSize {
  albums: number;
  customers: number;
  tracks: number;
}

/** Tracks in each benchmark purchase. */
export const PURCHASE_SIZE = 5;

/** Builds the scenarios for a store of `size`, with tokens signed by `jwtSecret`. */
export async function buildScenarios(size: StoreSize, jwtSecret: string): Promise<Scenario[]> {
  const manager = await signToken({ role: 'employee', employeeId: 1 }, jwtSecret);
  const customers = await Promise.all(spread(20, size.customers).map((customerId) => signToken({ role: 'customer', customerId }, jwtSecret)));
  const terms = [...NOUNS.slice(0, 10), ...WORDS.slice(0, 10)];

  const albumById = spread(100, size.albums).map((id) => op('AlbumById', { id: String(id) }));
  const search = terms.map((title) => op('SearchAlbums', { title }));
  const albumsWithTracks = [op('AlbumsWithTracks')];
  const customersWithInvoices = [op('CustomersWithInvoices', undefined, manager)];
  const playlistsWithTracks = [op('PlaylistsWithTracks')];
  const myInvoices = customers.map((token) => op('MyInvoices', undefined, token));

  // Purchases by customers whose invoices no other scenario reads (not among the readers
  // above, nor the first 20 that the manager's customer list shows), so that what earlier
  // cells bought never changes a later answer.
  const readers = new Set(spread(20, size.customers));
  const buyerIds = Array.from({ length: size.customers }, (_, i) => size.customers - i).filter((id) => id > 20 && !readers.has(id)).slice(0, 20);
  const buyers = await Promise.all(buyerIds.map((customerId) => signToken({ role: 'customer', customerId }, jwtSecret)));
  const trackIds = spread(40 * PURCHASE_SIZE, size.tracks);
  const purchases = buyers.flatMap((token, b) =>
    [0, 1].map((k) => {
      const basket = trackIds.slice((2 * b + k) * PURCHASE_SIZE, (2 * b + k + 1) * PURCHASE_SIZE);
      const items = basket.map((trackId, i) => ({ trackId: String(trackId), quantity: 1 + (i % 2) }));
      return { ...op('Purchase', { input: { items, idempotencyKey: '' } }, token), purchase: true as const };
    }),
  );

  // A store front: mostly catalog reads, some signed-in customers reading their invoices.
  // Per 20 requests: 8 album pages, 5 searches, 2 album grids, 2 playlists, 3 invoice reads.
  const weights: Array<[BenchRequest[], number]> = [
    [albumById, 8],
    [search, 5],
    [albumsWithTracks, 2],
    [playlistsWithTracks, 2],
    [myInvoices, 3],
  ];
  const mixed: BenchRequest[] = [];
  for (let round = 0; round < 10; round++) {
    for (const [list, weight] of weights) {
      for (let i = 0; i < weight; i++) mixed.push(list[(round * weight + i) % list.length]);
    }
  }
  // A fixed shuffle, so each connection's sequence mixes kinds rather than running them in blocks.
  for (let i = mixed.length - 1; i > 0; i--) {
    const j = (i * 48271) % (i + 1);
    [mixed[i], mixed[j]] = [mixed[j], mixed[i]];
  }

  // The same store front with purchases: one request in 20 (5%) buys.
  const withPurchases: BenchRequest[] = [];
  for (let round = 0; round < mixed.length / 20; round++) {
    const block = mixed.slice(round * 20, round * 20 + 20);
    // In place of one of the album pages (the most frequent kind).
    const replaced = block.findIndex((r) => r.operationName === 'AlbumById');
    block[replaced === -1 ? 0 : replaced] = purchases[round % purchases.length];
    withPurchases.push(...block);
  }

  return [
    { name: 'album-by-id', title: 'Album by id', nested: false, requests: albumById },
    { name: 'search-albums', title: 'Albums by title, with artist', nested: false, requests: search },
    { name: 'albums-tracks-genre', title: '50 albums → artist, tracks → genre', nested: true, requests: albumsWithTracks },
    { name: 'customers-invoices', title: '20 customers → invoices → lines → track', nested: true, requests: customersWithInvoices },
    { name: 'playlists-tracks', title: '10 playlists → 20 tracks → album → artist', nested: true, requests: playlistsWithTracks },
    { name: 'store-front', title: 'Store-front mix (15% signed-in invoice reads)', nested: false, requests: mixed },
    { name: 'purchase', title: `Purchase of ${PURCHASE_SIZE} tracks (a new idempotency key each)`, nested: false, requests: purchases },
    { name: 'store-front-purchases', title: 'Store-front mix with 5% purchases', nested: false, requests: withPurchases },
  ];
}
