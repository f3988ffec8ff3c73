import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import { inputId } from '../../writes/input';
import { addTracks, createPlaylist, deletePlaylist, moveTracks, removeTracks, renamePlaylist, type PlaylistEditResult } from '../../writes/playlists';

// After commit the request's loaders were cleared, so they read the committed playlist.
const playlist = async (result: PlaylistEditResult, _: unknown, { loaders }: Context) => (await loaders.playlistById.load(result.playlistId))!;
const playlistId = (id: string) => inputId(id, 'input.playlistId');

export const playlistEditResolvers: Resolvers = {
  Mutation: {
    createPlaylist: (_, { input }, { access, db }) => createPlaylist(db, access.playlistOwner(), input.name),
    renamePlaylist: (_, { input }, { access, db }) => renamePlaylist(db, access.playlistOwner(), playlistId(input.playlistId), input.name),
    deletePlaylist: (_, { input }, { access, db }) => deletePlaylist(db, access.playlistOwner(), playlistId(input.playlistId)),
    addTracksToPlaylist: (_, { input }, { access, db }) => addTracks(db, access.playlistOwner(), playlistId(input.playlistId), input.trackIds, input.position),
    removeTracksFromPlaylist: (_, { input }, { access, db }) => removeTracks(db, access.playlistOwner(), playlistId(input.playlistId), input.trackIds),
    moveTracksInPlaylist: (_, { input }, { access, db }) => moveTracks(db, access.playlistOwner(), playlistId(input.playlistId), input.trackIds, input.position),
  },
  PlaylistPayload: { playlist },
  DeletePlaylistPayload: { deletedPlaylistId: (result) => result.playlistId },
  AddTracksToPlaylistPayload: {
    playlist,
    addedTrackIds: (result) => result.added ?? [],
    alreadyPresentTrackIds: (result) => result.alreadyPresent ?? [],
  },
  RemoveTracksFromPlaylistPayload: {
    playlist,
    removedTrackIds: (result) => result.removed ?? [],
    notPresentTrackIds: (result) => result.notPresent ?? [],
  },
};
