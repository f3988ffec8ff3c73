import type DataLoader from 'dataloader';
import type { Album, Artist, Customer, Employee, Genre, Invoice, InvoiceLine, MediaType, Playlist, Prisma, Track } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { aggregateByParent, byKey, pageByParent, type ChildPageKey, type Join } from './factories';
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

type Factories = { [K in keyof Loaders]: (db: RequestDb, l: Loaders) => Loaders[K] };

const factories: Factories = {
  artistById: (db) => byKey(db, 'Artist', 'artistById'),
  albumById: (db) => byKey(db, 'Album', 'albumById'),
  trackById: (db) => byKey(db, 'Track', 'trackById'),
  genreById: (db) => byKey(db, 'Genre', 'genreById'),
  mediaTypeById: (db) => byKey(db, 'MediaType', 'mediaTypeById'),
  playlistById: (db) => byKey(db, 'Playlist', 'playlistById'),
  employeeById: (db) => byKey(db, 'Employee', 'employeeById'),
  customerById: (db) => byKey(db, 'Customer', 'customerById'),
  invoiceById: (db) => byKey(db, 'Invoice', 'invoiceById'),

  albumsByArtistId: (db, l) => pageByParent(db, { model: 'Album', parentField: 'artistId' }, 'albumsByArtistId', () => l.albumCountByArtistId, () => l.albumById),
  tracksByAlbumId: (db, l) =>
    pageByParent(db, { model: 'Track', parentField: 'albumId', joins: trackJoins(l) }, 'tracksByAlbumId', () => l.trackCountByAlbumId, () => l.trackById),
  tracksByGenreId: (db, l) =>
    pageByParent(db, { model: 'Track', parentField: 'genreId', joins: trackJoins(l) }, 'tracksByGenreId', () => l.trackCountByGenreId, () => l.trackById),
  tracksByPlaylistId: (db, l) =>
    pageByParent(db, { model: 'Track', through: { model: 'PlaylistTrack', parentField: 'playlistId', childField: 'trackId' }, joins: trackJoins(l) }, 'tracksByPlaylistId', () => l.trackCountByPlaylistId, () => l.trackById),
  playlistsByTrackId: (db, l) =>
    pageByParent(db, { model: 'Playlist', through: { model: 'PlaylistTrack', parentField: 'trackId', childField: 'playlistId' } }, 'playlistsByTrackId', () => l.playlistCountByTrackId, () => l.playlistById),
  reportsByEmployeeId: (db, l) => pageByParent(db, { model: 'Employee', parentField: 'reportsToId' }, 'reportsByEmployeeId', () => l.reportCountByEmployeeId, () => l.employeeById),
  customersBySupportRepId: (db, l) =>
    pageByParent(db, { model: 'Customer', parentField: 'supportRepId' }, 'customersBySupportRepId', () => l.customerCountBySupportRepId, () => l.customerById),
  invoicesByCustomerId: (db, l) => pageByParent(db, { model: 'Invoice', parentField: 'customerId' }, 'invoicesByCustomerId', () => l.invoiceCountByCustomerId, () => l.invoiceById),
  linesByInvoiceId: (db, l) => pageByParent(db, { model: 'InvoiceLine', parentField: 'invoiceId' }, 'linesByInvoiceId', () => l.lineCountByInvoiceId),

  albumCountByArtistId: (db) => aggregateByParent(db, 'Album', 'artistId', 'albumCountByArtistId'),
  trackCountByAlbumId: (db) => aggregateByParent(db, 'Track', 'albumId', 'trackCountByAlbumId'),
  durationMsByAlbumId: (db) => aggregateByParent(db, 'Track', 'albumId', 'durationMsByAlbumId', 'milliseconds'),
  trackCountByGenreId: (db) => aggregateByParent(db, 'Track', 'genreId', 'trackCountByGenreId'),
  trackCountByPlaylistId: (db) => aggregateByParent(db, 'PlaylistTrack', 'playlistId', 'trackCountByPlaylistId'),
  playlistCountByTrackId: (db) => aggregateByParent(db, 'PlaylistTrack', 'trackId', 'playlistCountByTrackId'),
  reportCountByEmployeeId: (db) => aggregateByParent(db, 'Employee', 'reportsToId', 'reportCountByEmployeeId'),
  customerCountBySupportRepId: (db) => aggregateByParent(db, 'Customer', 'supportRepId', 'customerCountBySupportRepId'),
  invoiceCountByCustomerId: (db) => aggregateByParent(db, 'Invoice', 'customerId', 'invoiceCountByCustomerId'),
  totalSpentByCustomerId: (db) => aggregateByParent(db, 'Invoice', 'customerId', 'totalSpentByCustomerId', 'total'),
  lineCountByInvoiceId: (db) => aggregateByParent(db, 'InvoiceLine', 'invoiceId', 'lineCountByInvoiceId'),
};

/**
 * Creates the loaders for one request. Each loader is constructed the first time a
 * resolver asks for it, so an operation pays only for the loaders it uses.
 */
export function createLoaders(db: RequestDb): Loaders {
  const loaders = {} as Loaders;
  for (const name of Object.keys(factories) as Array<keyof Loaders>) {
    Object.defineProperty(loaders, name, {
      configurable: true,
      get() {
        const loader = factories[name](db, loaders);
        Object.defineProperty(loaders, name, { value: loader });
        return loader;
      },
    });
  }
  return loaders;
}
