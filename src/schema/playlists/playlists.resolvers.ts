import type { Resolvers } from '../../generated/graphql';
import { childPage } from '../../loaders/child-pages';
import { listPage } from '../../graphql/list-page';
import { loadWithPage, TRACK_JOINS } from '../../loaders';
import { contains, rowId, sortOf } from '../args';

export const playlistResolvers: Resolvers = {
  Query: {
    playlists: (_, args, { db, loaders }) => {
      const sort = sortOf(args.orderBy, { NAME: 'name', ID: 'id' }, { field: 'NAME', direction: 'ASC' });
      return listPage(db, 'Playlist', { name: contains(args.filter?.nameContains, 'filter.nameContains') }, sort, args, loaders.playlistById);
    },
    playlist: (_, { id }, { loaders }, info) => loadWithPage(loaders, 'Playlist', loaders.playlistById, rowId(id), info),
  },
  Playlist: {
    tracks: (playlist, args, { loaders }, info) =>
      loaders.tracksByPlaylistId.load(childPage(playlist.id, args, info, TRACK_JOINS)),
    trackCount: (playlist, _, { loaders }) => loaders.trackCountByPlaylistId.load(playlist.id),
  },
};
