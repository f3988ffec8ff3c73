import type DataLoader from 'dataloader';
import type { ModelName } from '../generated/model-meta';
import type { Album, Artist, Customer, Employee, Genre, Invoice, InvoiceLine, MediaType, Playlist, Prisma, Track } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { aggregateByParent } from './aggregates';
import { BATCHED, type LoaderSite, type LoaderStyle } from './batch';
import { byKey } from './by-key';
import { pageByParent, type Join, type Nests, type PageLoader } from './child-pages';
import { selectedPage } from './page-lookahead';
import type { GraphQLResolveInfo } from 'graphql';
import { selectionOnNodes, type Joinable } from '../graphql/lookahead';
import type { ListJoins } from '../graphql/list-page';

type ById<T> = DataLoader<number, T | null>;
type Pages<T> = PageLoader<T>;
type PerParent<V = number> = DataLoader<number, V>;

/** The loaders of one request, named for their key. Each is built on first use. */
export interface Loaders {
  artistById: ById<Artist>;
  albumById: ById<Album>;
  trackById: ById<Track>;
  genreById: ById<Genre>;
  mediaTypeById: ById<MediaType>;
  playlistById: ById<Playlist>;
  employeeById: ById<Employee>;
  customerById: ById<Customer>;
  invoiceById: ById<Invoice>;

  albumsByArtistId: Pages<Album>;
  tracksByAlbumId: Pages<Track>;
  tracksByGenreId: Pages<Track>;
  tracksByPlaylistId: Pages<Track>;
  playlistsByTrackId: Pages<Playlist>;
  reportsByEmployeeId: Pages<Employee>;
  customersBySupportRepId: Pages<Customer>;
  invoicesByCustomerId: Pages<Invoice>;
  linesByInvoiceId: Pages<InvoiceLine>;

  albumCountByArtistId: PerParent;
  trackCountByAlbumId: PerParent;
  durationMsByAlbumId: PerParent<number | null>;
  trackCountByGenreId: PerParent;
  trackCountByPlaylistId: PerParent;
  playlistCountByTrackId: PerParent;
  reportCountByEmployeeId: PerParent;
  customerCountBySupportRepId: PerParent;
  invoiceCountByCustomerId: PerParent;
  totalSpentByCustomerId: PerParent<Prisma.Decimal | null>;
  lineCountByInvoiceId: PerParent;
}

/** The loaders of rows by id, which joined rows are primed into. */
export type ByIdName = { [K in keyof Loaders]: K extends `${string}ById` ? K : never }[keyof Loaders];

const ARTIST: Join = { via: 'artistId', model: 'Artist', byId: 'artistById' };

/** To-one relations of a track that a page of tracks reads in its own statement, an album's artist too. */
const TRACK_RELATIONS: Readonly<Record<string, Join>> = {
  album: { via: 'albumId', model: 'Album', byId: 'albumById', joins: { artist: ARTIST } },
  genre: { via: 'genreId', model: 'Genre', byId: 'genreById' },
  mediaType: { via: 'mediaTypeId', model: 'MediaType', byId: 'mediaTypeById' },
};

/** To-one relations of an album that a list of albums reads in its own statement. */
const ALBUM_RELATIONS: Readonly<Record<string, Join>> = { artist: ARTIST };

/** To-one relations of an invoice line that a page of lines reads in its own statement, and the track's. */
const LINE_RELATIONS: Readonly<Record<string, Join>> = { track: { via: 'trackId', model: 'Track', byId: 'trackById', joins: TRACK_RELATIONS } };

// The relations' names alone, in depth: what the look-ahead of a selection follows.
const joinable = (joins: Readonly<Record<string, Join>>): Joinable => Object.fromEntries(Object.entries(joins).map(([name, join]) => [name, join.joins ? joinable(join.joins) : {}]));

export const TRACK_JOINS = joinable(TRACK_RELATIONS);
export const LINE_JOINS = joinable(LINE_RELATIONS);

/** An album page may read each album's tracks inside its statement; an invoice page each invoice's lines. */
export const ALBUM_NESTS: Nests = { tracks: ['tracksByAlbumId', TRACK_JOINS] };
export const INVOICE_NESTS: Nests = { lines: ['linesByInvoiceId', LINE_JOINS] };

type Factories = { [K in keyof Loaders]: (site: LoaderSite & { loaders: Loaders }) => Loaders[K] };

const factories: Factories = {
  artistById: (c) => byKey(c, 'Artist'),
  albumById: (c) => byKey(c, 'Album'),
  trackById: (c) => byKey(c, 'Track'),
  genreById: (c) => byKey(c, 'Genre'),
  mediaTypeById: (c) => byKey(c, 'MediaType'),
  playlistById: (c) => byKey(c, 'Playlist'),
  employeeById: (c) => byKey(c, 'Employee'),
  customerById: (c) => byKey(c, 'Customer'),
  invoiceById: (c) => byKey(c, 'Invoice'),

  albumsByArtistId: (c) => pageByParent(c, { model: 'Album', parentField: 'artistId' }, () => c.loaders.albumCountByArtistId, () => c.loaders.albumById),
  tracksByAlbumId: (c) =>
    pageByParent(c, { model: 'Track', parentField: 'albumId', joins: TRACK_RELATIONS }, () => c.loaders.trackCountByAlbumId, () => c.loaders.trackById),
  tracksByGenreId: (c) =>
    pageByParent(c, { model: 'Track', parentField: 'genreId', joins: TRACK_RELATIONS }, () => c.loaders.trackCountByGenreId, () => c.loaders.trackById),
  tracksByPlaylistId: (c) =>
    pageByParent(c, { model: 'Track', through: { model: 'PlaylistTrack', parentField: 'playlistId', childField: 'trackId', orderBy: 'position' }, joins: TRACK_RELATIONS }, () => c.loaders.trackCountByPlaylistId, () => c.loaders.trackById),
  playlistsByTrackId: (c) =>
    pageByParent(c, { model: 'Playlist', through: { model: 'PlaylistTrack', parentField: 'trackId', childField: 'playlistId' } }, () => c.loaders.playlistCountByTrackId, () => c.loaders.playlistById),
  reportsByEmployeeId: (c) => pageByParent(c, { model: 'Employee', parentField: 'reportsToId' }, () => c.loaders.reportCountByEmployeeId, () => c.loaders.employeeById),
  customersBySupportRepId: (c) =>
    pageByParent(c, { model: 'Customer', parentField: 'supportRepId' }, () => c.loaders.customerCountBySupportRepId, () => c.loaders.customerById),
  invoicesByCustomerId: (c) => pageByParent(c, { model: 'Invoice', parentField: 'customerId' }, () => c.loaders.invoiceCountByCustomerId, () => c.loaders.invoiceById),
  linesByInvoiceId: (c) => pageByParent(c, { model: 'InvoiceLine', parentField: 'invoiceId', joins: LINE_RELATIONS }, () => c.loaders.lineCountByInvoiceId),

  albumCountByArtistId: (c) => aggregateByParent(c, 'Album', 'artistId'),
  trackCountByAlbumId: (c) => aggregateByParent(c, 'Track', 'albumId'),
  durationMsByAlbumId: (c) => aggregateByParent(c, 'Track', 'albumId', 'milliseconds'),
  trackCountByGenreId: (c) => aggregateByParent(c, 'Track', 'genreId'),
  trackCountByPlaylistId: (c) => aggregateByParent(c, 'PlaylistTrack', 'playlistId'),
  playlistCountByTrackId: (c) => aggregateByParent(c, 'PlaylistTrack', 'trackId'),
  reportCountByEmployeeId: (c) => aggregateByParent(c, 'Employee', 'reportsToId'),
  customerCountBySupportRepId: (c) => aggregateByParent(c, 'Customer', 'supportRepId'),
  invoiceCountByCustomerId: (c) => aggregateByParent(c, 'Invoice', 'customerId'),
  totalSpentByCustomerId: (c) => aggregateByParent(c, 'Invoice', 'customerId', 'total'),
  lineCountByInvoiceId: (c) => aggregateByParent(c, 'InvoiceLine', 'invoiceId'),
};

const SITE = Symbol('loader site');
type Built = Loaders & { [SITE]: LoaderSite };

// One prototype for every request's loaders: a getter per loader builds it on first use and
// stores it on the request's own object, so making a request's set allocates one object.
const lazyLoaders = Object.create(null) as Loaders;
for (const name of Object.keys(factories) as Array<keyof Loaders>) {
  Object.defineProperty(lazyLoaders, name, {
    get(this: Built) {
      const loader = factories[name]({ ...this[SITE], name, loaders: this });
      Object.defineProperty(this, name, { value: loader, enumerable: true });
      return loader;
    },
  });
}

/**
 * Creates the loaders for one request. Each loader is constructed the first time a
 * resolver asks for it, so an operation pays only for the loaders it uses.
 */
export function createLoaders(db: RequestDb, style: LoaderStyle = BATCHED): Loaders {
  const loaders = Object.create(lazyLoaders) as Built;
  loaders[SITE] = { db, style, name: '' };
  // A committed write may change any row a loader cached: forget them all.
  db.onCommit(() => {
    for (const loader of Object.values(loaders)) (loader as { clearAll?: () => void }).clearAll?.();
  });
  return loaders;
}

/** The loaders of child pages. */
export type PageName = { [K in keyof Loaders]: Loaders[K] extends { withParent: unknown } ? K : never }[keyof Loaders];

/**
 * The connections of each kind of row that its lookup by id may read in the same
 * statement: the page loader each is read by, and what its rows may join (as its own
 * resolver passes them to `childPage`, so the page read ahead is the one it asks for).
 */
const PAGES_BESIDE: Partial<Record<ModelName, Readonly<Record<string, readonly [PageName, Joinable?, Nests?]>>>> = {
  Artist: { albums: ['albumsByArtistId', undefined, ALBUM_NESTS] },
  Album: { tracks: ['tracksByAlbumId', TRACK_JOINS] },
  Playlist: { tracks: ['tracksByPlaylistId', TRACK_JOINS] },
  Customer: { invoices: ['invoicesByCustomerId', undefined, INVOICE_NESTS] },
};

/**
 * Loads row `id` of `model` with its by-id loader; when the client selected one of the
 * row's connections listed in {@link PAGES_BESIDE}, reads the row and that page in one
 * statement instead of two (PageLoader.withParent), and primes both loaders with them.
 */
export function loadWithPage<Row>(loaders: Loaders, model: ModelName, byId: DataLoader<number, Row | null>, id: number, info: GraphQLResolveInfo): Promise<Row | null> {
  if (!(loaders as Built)[SITE].style.batch) return byId.load(id);
  for (const [field, [pages, joinable, nests]] of Object.entries(PAGES_BESIDE[model] ?? {})) {
    const key = selectedPage(id, info, field, joinable, nests);
    if (key) return (loaders[pages] as PageLoader<unknown>).withParent(model, key, byId);
  }
  return byId.load(id);
}

const LIST_JOINS = { Album: [joinable(ALBUM_RELATIONS), ALBUM_RELATIONS], Track: [TRACK_JOINS, TRACK_RELATIONS] } as const;

/**
 * The to-one relations a top-level list of `model` reads in its own statement, as the
 * client selected them; none when this loader set reads each relation on its own.
 */
export function listJoins(l: Loaders, model: keyof typeof LIST_JOINS, info: GraphQLResolveInfo): ListJoins | undefined {
  if (!(l as Built)[SITE].style.joins) return undefined;
  const [names, joins] = LIST_JOINS[model];
  const { joins: selected } = selectionOnNodes(info, names);
  return selected.length ? { joins, selected, loaders: l } : undefined;
}
