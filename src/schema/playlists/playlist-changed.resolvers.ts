import type { Resolvers } from '../../generated/graphql';
import { notFound } from '../../errors';
import { subscribeTo } from '../../subscriptions/hub';
import { playlistTopic, type PlaylistChanged } from '../../subscriptions/events';
import { rowId } from '../args';

export const playlistChangedResolvers: Resolvers = {
  Subscription: {
    playlistChanged: {
      // Playlists and everything a PlaylistChange reaches are the catalog, which anyone may
      // see: all subscribers of a playlist are one access class (test/unit/live-access.test.ts).
      subscribe: async (_, { id }, ctx) => {
        const playlistId = rowId(id);
        if (!(await ctx.loaders.playlistById.load(playlistId))) throw notFound(`Playlist ${id} not found`, { argumentName: 'id' });
        return subscribeTo(ctx, { key: playlistTopic(playlistId), accessClass: 'public' });
      },
      resolve: (event: PlaylistChanged) => event,
    },
  },
  PlaylistChange: {
    playlist: (change, _, { loaders }) => (change.kind === 'DELETED' ? null : loaders.playlistById.load(change.playlistId)),
    tracks: async (change, _, { loaders }) => (await loaders.trackById.loadMany(change.trackIds)).filter((track) => track !== null && !(track instanceof Error)) as NonNullable<Awaited<ReturnType<typeof loaders.trackById.load>>>[],
  },
};
