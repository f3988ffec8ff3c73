import type DataLoader from 'dataloader';
import type { Album, Artist, Customer, Employee, Genre, Invoice, InvoiceLine, MediaType, Playlist, Prisma, Track } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { aggregateByParent, byKey, pageByParent, type ChildPageKey, type Join, type LoaderMode } from './factories';
import type { Page } from './page';

type ById<T> = DataLoader<number, T | null>;
type Pages<T> = DataLoader<ChildPageKey, Page<T>, string>;
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

/** To-one relations of a track that a page of tracks reads in its own statement. */
export const TRACK_JOINS = ['album', 'genre', 'mediaType'] as const;

function trackJoins(l: Loaders): Record<(typeof TRACK_JOINS)[number], Join> {
  return {
    album: { via: 'albumId', model: 'Album', byId: () => l.albumById },
    genre: { via: 'genreId', model: 'Genre', byId: () => l.genreById },
    mediaType: { via: 'mediaTypeId', model: 'MediaType', byId: () => l.mediaTypeById },
  };
}

/** To-one relations of an invoice line that a page of lines reads in its own statement. */
export const LINE_JOINS = ['track'] as const;

function lineJoins(l: Loaders): Record<(typeof LINE_JOINS)[number], Join> {
  return { track: { via: 'trackId', model: 'Track', byId: () => l.trackById } };
}

type Factories = { [K in keyof Loaders]: (db: RequestDb, l: Loaders, m: LoaderMode) => Loaders[K] };

const factories: Factories = {
  artistById: (db, _l, m) => byKey(db, 'Artist', 'artistById', m),
  albumById: (db, _l, m) => byKey(db, 'Album', 'albumById', m),
  trackById: (db, _l, m) => byKey(db, 'Track', 'trackById', m),
  genreById: (db, _l, m) => byKey(db, 'Genre', 'genreById', m),
  mediaTypeById: (db, _l, m) => byKey(db, 'MediaType', 'mediaTypeById', m),
  playlistById: (db, _l, m) => byKey(db, 'Playlist', 'playlistById', m),
  employeeById: (db, _l, m) => byKey(db, 'Employee', 'employeeById', m),
  customerById: (db, _l, m) => byKey(db, 'Customer', 'customerById', m),
  invoiceById: (db, _l, m) => byKey(db, 'Invoice', 'invoiceById', m),

  albumsByArtistId: (db, l, m) => pageByParent(db, { model: 'Album', parentField: 'artistId' }, 'albumsByArtistId', () => l.albumCountByArtistId, () => l.albumById, m),
  tracksByAlbumId: (db, l, m) =>
    pageByParent(db, { model: 'Track', parentField: 'albumId', joins: trackJoins(l) }, 'tracksByAlbumId', () => l.trackCountByAlbumId, () => l.trackById, m),
  tracksByGenreId: (db, l, m) =>
    pageByParent(db, { model: 'Track', parentField: 'genreId', joins: trackJoins(l) }, 'tracksByGenreId', () => l.trackCountByGenreId, () => l.trackById, m),
  tracksByPlaylistId: (db, l, m) =>
    pageByParent(db, { model: 'Track', through: { model: 'PlaylistTrack', parentField: 'playlistId', childField: 'trackId', orderBy: 'position' }, joins: trackJoins(l) }, 'tracksByPlaylistId', () => l.trackCountByPlaylistId, () => l.trackById, m),
  playlistsByTrackId: (db, l, m) =>
    pageByParent(db, { model: 'Playlist', through: { model: 'PlaylistTrack', parentField: 'trackId', childField: 'playlistId' } }, 'playlistsByTrackId', () => l.playlistCountByTrackId, () => l.playlistById, m),
  reportsByEmployeeId: (db, l, m) => pageByParent(db, { model: 'Employee', parentField: 'reportsToId' }, 'reportsByEmployeeId', () => l.reportCountByEmployeeId, () => l.employeeById, m),
  customersBySupportRepId: (db, l, m) =>
    pageByParent(db, { model: 'Customer', parentField: 'supportRepId' }, 'customersBySupportRepId', () => l.customerCountBySupportRepId, () => l.customerById, m),
  invoicesByCustomerId: (db, l, m) => pageByParent(db, { model: 'Invoice', parentField: 'customerId' }, 'invoicesByCustomerId', () => l.invoiceCountByCustomerId, () => l.invoiceById, m),
  linesByInvoiceId: (db, l, m) => pageByParent(db, { model: 'InvoiceLine', parentField: 'invoiceId', joins: lineJoins(l) }, 'linesByInvoiceId', () => l.lineCountByInvoiceId, undefined, m),

  albumCountByArtistId: (db, _l, m) => aggregateByParent(db, 'Album', 'artistId', 'albumCountByArtistId', undefined, m),
  trackCountByAlbumId: (db, _l, m) => aggregateByParent(db, 'Track', 'albumId', 'trackCountByAlbumId', undefined, m),
  durationMsByAlbumId: (db, _l, m) => aggregateByParent(db, 'Track', 'albumId', 'durationMsByAlbumId', 'milliseconds', m),
  trackCountByGenreId: (db, _l, m) => aggregateByParent(db, 'Track', 'genreId', 'trackCountByGenreId', undefined, m),
  trackCountByPlaylistId: (db, _l, m) => aggregateByParent(db, 'PlaylistTrack', 'playlistId', 'trackCountByPlaylistId', undefined, m),
  playlistCountByTrackId: (db, _l, m) => aggregateByParent(db, 'PlaylistTrack', 'trackId', 'playlistCountByTrackId', undefined, m),
  reportCountByEmployeeId: (db, _l, m) => aggregateByParent(db, 'Employee', 'reportsToId', 'reportCountByEmployeeId', undefined, m),
  customerCountBySupportRepId: (db, _l, m) => aggregateByParent(db, 'Customer', 'supportRepId', 'customerCountBySupportRepId', undefined, m),
  invoiceCountByCustomerId: (db, _l, m) => aggregateByParent(db, 'Invoice', 'customerId', 'invoiceCountByCustomerId', undefined, m),
  totalSpentByCustomerId: (db, _l, m) => aggregateByParent(db, 'Invoice', 'customerId', 'totalSpentByCustomerId', 'total', m),
  lineCountByInvoiceId: (db, _l, m) => aggregateByParent(db, 'InvoiceLine', 'invoiceId', 'lineCountByInvoiceId', undefined, m),
};

/**
 * Creates the loaders for one request. Each loader is constructed the first time a
 * resolver asks for it, so an operation pays only for the loaders it uses.
 */
export function createLoaders(db: RequestDb, mode: LoaderMode = 'batched'): Loaders {
  const loaders = {} as Loaders;
  // A committed write may change any row a loader cached: forget them all.
  db.onCommit(() => {
    for (const { value } of Object.values(Object.getOwnPropertyDescriptors(loaders))) (value as { clearAll?: () => void } | undefined)?.clearAll?.();
  });
  for (const name of Object.keys(factories) as Array<keyof Loaders>) {
    Object.defineProperty(loaders, name, {
      configurable: true,
      get() {
        const loader = factories[name](db, loaders, mode);
        Object.defineProperty(loaders, name, { value: loader });
        return loader;
      },
    });
  }
  return loaders;
}
