import type { Resolvers } from '../../generated/graphql';
import { childPage } from '../../loaders/child-pages';
import { listPage } from '../../graphql/list-page';
import { TRACK_JOINS } from '../../loaders';
import { contains, rowId } from '../args';

export const playlistResolvers: Resolvers = {
  Query: {
    playlists: (_, args, { db, loaders }) =>
      listPage(db, 'Playlist', { name: contains(args.filter?.nameContains, 'filter.nameContains') }, { fields: ['name', 'id'] }, args, loaders.playlistById),
    playlist: (_, { id }, { loaders }) => loaders.playlistById.load(rowId(id)),
  },
  Playlist: {
    tracks: (playlist, args, { loaders }, info) =>
      loaders.tracksByPlaylistId.load(childPage(playlist.id, args, info, TRACK_JOINS)),
    trackCount: (playlist, _, { loaders }) => loaders.trackCountByPlaylistId.load(playlist.id),
  },
};
