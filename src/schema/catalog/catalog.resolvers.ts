import type { Resolvers } from '../../generated/graphql';
import { listPage } from '../../loaders/factories';
import { pageArgs } from '../../loaders/page';
import { badUserInput } from '../../errors';

/** Parses a GraphQL `ID` argument that names a row key. */
export function rowId(id: string | number, argument = 'id'): number {
  const value = Number(id);
  if (!Number.isSafeInteger(value) || value < 1) throw badUserInput(argument, `${argument} must be a positive integer id, but got: ${JSON.stringify(id)}`);
  return value;
}

const contains = (text: string | null | undefined) => (text ? { contains: text, mode: 'insensitive' as const } : undefined);

export const catalogResolvers: Resolvers = {
  Query: {
    artists: (_, args, { db, loaders }) =>
      listPage(db, 'Artist', { name: contains(args.filter?.nameContains) }, ['name', 'id'], pageArgs(args, 2), loaders.artistById),
    artist: (_, { id }, { loaders }) => loaders.artistById.load(rowId(id)),
    albums: (_, args, { db, loaders }) =>
      listPage(
        db,
        'Album',
        { title: contains(args.filter?.titleContains), artistId: args.filter?.artistId ? rowId(args.filter.artistId, 'filter.artistId') : undefined },
        ['title', 'id'],
        pageArgs(args, 2),
        loaders.albumById,
      ),
    album: (_, { id }, { loaders }) => loaders.albumById.load(rowId(id)),
    tracks: (_, args, { db, loaders }) => {
      const f = args.filter;
      const where = {
        name: contains(f?.nameContains),
        genreId: f?.genreId ? rowId(f.genreId, 'filter.genreId') : undefined,
        mediaTypeId: f?.mediaTypeId ? rowId(f.mediaTypeId, 'filter.mediaTypeId') : undefined,
        albumId: f?.albumId ? rowId(f.albumId, 'filter.albumId') : undefined,
      };
      return listPage(db, 'Track', where, ['id'], pageArgs(args, 1), loaders.trackById);
    },
    track: (_, { id }, { loaders }) => loaders.trackById.load(rowId(id)),
    genres: (_, args, { db, loaders }) => listPage(db, 'Genre', {}, ['name', 'id'], pageArgs(args, 2), loaders.genreById),
    mediaTypes: (_, args, { db, loaders }) => listPage(db, 'MediaType', {}, ['id'], pageArgs(args, 1), loaders.mediaTypeById),
  },
  Artist: {
    albums: (artist, args, { loaders }) => loaders.albumsByArtistId.load({ parentId: artist.id, page: pageArgs(args, 1) }),
  },
  Album: {
    artist: async (album, _, { loaders }) => (await loaders.artistById.load(album.artistId))!,
    tracks: (album, args, { loaders }) => loaders.tracksByAlbumId.load({ parentId: album.id, page: pageArgs(args, 1) }),
  },
  Track: {
    album: (track, _, { loaders }) => (track.albumId === null ? null : loaders.albumById.load(track.albumId)),
    genre: (track, _, { loaders }) => (track.genreId === null ? null : loaders.genreById.load(track.genreId)),
    mediaType: async (track, _, { loaders }) => (await loaders.mediaTypeById.load(track.mediaTypeId))!,
  },
  Genre: {
    tracks: (genre, args, { loaders }) => loaders.tracksByGenreId.load({ parentId: genre.id, page: pageArgs(args, 1) }),
  },
};
