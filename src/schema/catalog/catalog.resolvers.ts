import type { Resolvers } from '../../generated/graphql';
import type { Artist } from '../../generated/prisma/client';
import { childPage } from '../../loaders/child-pages';
import { joinedRow } from '../../sql/row-builder';
import { listPage } from '../../graphql/list-page';
import { listJoins, loadWithPage, TRACK_JOINS } from '../../loaders';
import { contains, optionalId, range, rowId, sortOf } from '../args';

export const catalogResolvers: Resolvers = {
  Query: {
    artists: (_, args, { db, loaders }) => {
      const sort = sortOf(args.orderBy, { NAME: 'name', ID: 'id' }, { field: 'NAME', direction: 'ASC' });
      return listPage(db, 'Artist', { name: contains(args.filter?.nameContains, 'filter.nameContains') }, sort, args, loaders.artistById);
    },
    artist: (_, { id }, { loaders }, info) => loadWithPage(loaders, 'Artist', loaders.artistById, rowId(id), info),
    albums: (_, args, { db, loaders }, info) => {
      const sort = sortOf(args.orderBy, { TITLE: 'title', ID: 'id' }, { field: 'TITLE', direction: 'ASC' });
      const where = { title: contains(args.filter?.titleContains, 'filter.titleContains'), artistId: optionalId(args.filter?.artistId, 'filter.artistId') };
      return listPage(db, 'Album', where, sort, args, loaders.albumById, listJoins(loaders, 'Album', info));
    },
    album: (_, { id }, { loaders }, info) => loadWithPage(loaders, 'Album', loaders.albumById, rowId(id), info),
    tracks: (_, args, { db, loaders }, info) => {
      const f = args.filter;
      const sort = sortOf(args.orderBy, { ID: 'id', NAME: 'name', UNIT_PRICE: 'unitPrice', MILLISECONDS: 'milliseconds' }, { field: 'ID', direction: 'ASC' });
      const where = {
        name: contains(f?.nameContains, 'filter.nameContains'),
        genreId: optionalId(f?.genreId, 'filter.genreId'),
        mediaTypeId: optionalId(f?.mediaTypeId, 'filter.mediaTypeId'),
        albumId: optionalId(f?.albumId, 'filter.albumId'),
        unitPrice: range(f?.minPrice, f?.maxPrice),
        milliseconds: range(f?.minMilliseconds, f?.maxMilliseconds),
      };
      return listPage(db, 'Track', where, sort, args, loaders.trackById, listJoins(loaders, 'Track', info));
    },
    track: (_, { id }, { loaders }) => loaders.trackById.load(rowId(id)),
    genres: (_, args, { db, loaders }) =>
      listPage(db, 'Genre', {}, sortOf(args.orderBy, { NAME: 'name', ID: 'id' }, { field: 'NAME', direction: 'ASC' }), args, loaders.genreById),
    genre: (_, { id }, { loaders }) => loaders.genreById.load(rowId(id)),
    mediaTypes: (_, args, { db, loaders }) =>
      listPage(db, 'MediaType', {}, sortOf(args.orderBy, { ID: 'id', NAME: 'name' }, { field: 'ID', direction: 'ASC' }), args, loaders.mediaTypeById),
  },
  Artist: {
    albums: (artist, args, { loaders }, info) => loaders.albumsByArtistId.load(childPage(artist.id, args, info)),
    albumCount: (artist, _, { loaders }) => loaders.albumCountByArtistId.load(artist.id),
  },
  Album: {
    artist: (album, _, { loaders }) => joinedRow<Artist>(album, 'artist') ?? loaders.artistById.load(album.artistId).then((row) => row!),
    tracks: (album, args, { loaders }, info) =>
      loaders.tracksByAlbumId.load(childPage(album.id, args, info, TRACK_JOINS)),
    trackCount: (album, _, { loaders }) => loaders.trackCountByAlbumId.load(album.id),
    durationMs: async (album, _, { loaders }) => Number((await loaders.durationMsByAlbumId.load(album.id)) ?? 0),
  },
  Track: {
    album: (track, _, { loaders }) => joinedRow(track, 'album') ?? (track.albumId === null ? null : loaders.albumById.load(track.albumId)),
    genre: (track, _, { loaders }) => joinedRow(track, 'genre') ?? (track.genreId === null ? null : loaders.genreById.load(track.genreId)),
    mediaType: (track, _, { loaders }) => joinedRow(track, 'mediaType') ?? loaders.mediaTypeById.load(track.mediaTypeId).then((row) => row!),
    playlists: (track, args, { loaders }, info) => loaders.playlistsByTrackId.load(childPage(track.id, args, info)),
  },
  Genre: {
    tracks: (genre, args, { loaders }, info) =>
      loaders.tracksByGenreId.load(childPage(genre.id, args, info, TRACK_JOINS)),
    trackCount: (genre, _, { loaders }) => loaders.trackCountByGenreId.load(genre.id),
  },
};
