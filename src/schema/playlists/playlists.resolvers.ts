import type { Resolvers } from '../../generated/graphql';
import { childPage, listPage } from '../../loaders/factories';
import { pageArgs } from '../../loaders/page';
import { TRACK_JOINS } from '../../loaders';
import { contains, rowId } from '../args';

export const playlistResolvers: Resolvers = {
  Query: {
    playlists: (_, args, { db, loaders }) =>
      listPage(db, 'Playlist', { name: contains(args.filter?.nameContains) }, { fields: ['name', 'id'] }, pageArgs(args, 2), loaders.playlistById),
    playlist: (_, { id }, { loaders }) => loaders.playlistById.load(rowId(id)),
  },
  Playlist: {
    tracks: (playlist, args, { loaders }, info) =>
      loaders.tracksByPlaylistId.load(childPage(playlist.id, args, info, TRACK_JOINS)),
    trackCount: (playlist, _, { loaders }) => loaders.trackCountByPlaylistId.load(playlist.id),
  },
};
