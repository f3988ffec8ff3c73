import type DataLoader from 'dataloader';
import type { Album, Artist, Genre, MediaType, Track } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { byKey, countByParent, pageByParent, type ChildPageKey } from './factories';
import type { Page } from './page';

/** The loaders of one request, named for their key. Each is built on first use. */
export interface Loaders {
  artistById: DataLoader<number, Artist | null>;
  albumById: DataLoader<number, Album | null>;
  trackById: DataLoader<number, Track | null>;
  genreById: DataLoader<number, Genre | null>;
  mediaTypeById: DataLoader<number, MediaType | null>;
  albumsByArtistId: DataLoader<ChildPageKey, Page<Album>, string>;
  albumCountByArtistId: DataLoader<number, number>;
  tracksByAlbumId: DataLoader<ChildPageKey, Page<Track>, string>;
  trackCountByAlbumId: DataLoader<number, number>;
  tracksByGenreId: DataLoader<ChildPageKey, Page<Track>, string>;
  trackCountByGenreId: DataLoader<number, number>;
}

type Factories = { [K in keyof Loaders]: (db: RequestDb, loaders: Loaders) => Loaders[K] };

const factories: Factories = {
  artistById: (db) => byKey(db, 'Artist', 'artistById'),
  albumById: (db) => byKey(db, 'Album', 'albumById'),
  trackById: (db) => byKey(db, 'Track', 'trackById'),
  genreById: (db) => byKey(db, 'Genre', 'genreById'),
  mediaTypeById: (db) => byKey(db, 'MediaType', 'mediaTypeById'),
  albumsByArtistId: (db, l) => pageByParent(db, 'Album', 'artistId', 'albumsByArtistId', () => l.albumCountByArtistId, () => l.albumById),
  albumCountByArtistId: (db) => countByParent(db, 'Album', 'artistId', 'albumCountByArtistId'),
  tracksByAlbumId: (db, l) => pageByParent(db, 'Track', 'albumId', 'tracksByAlbumId', () => l.trackCountByAlbumId, () => l.trackById),
  trackCountByAlbumId: (db) => countByParent(db, 'Track', 'albumId', 'trackCountByAlbumId'),
  tracksByGenreId: (db, l) => pageByParent(db, 'Track', 'genreId', 'tracksByGenreId', () => l.trackCountByGenreId, () => l.trackById),
  trackCountByGenreId: (db) => countByParent(db, 'Track', 'genreId', 'trackCountByGenreId'),
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
