import type { Resolvers } from '../../generated/graphql';
import type { Context } from '../../context';
import { inputId } from '../../writes/input';
import { createCatalogRow, deleteCatalogRow, updateCatalogRow, type CatalogModel } from '../../writes/catalog';

const employee = (ctx: Context) => ctx.access.requireEmployee('and edit the catalog');
const rowIdOf = (id: string) => inputId(id, 'input.id');
const create = (model: CatalogModel) => (_: unknown, { input }: { input: object }, ctx: Context) => {
  employee(ctx);
  return createCatalogRow(ctx.db, model, input);
};
const update = (model: CatalogModel) => (_: unknown, { input }: { input: { id: string } }, ctx: Context) => {
  employee(ctx);
  const { id, ...fields } = input;
  return updateCatalogRow(ctx.db, model, rowIdOf(id), fields);
};
const remove = (model: CatalogModel) => (_: unknown, { input }: { input: { id: string } }, ctx: Context) => {
  employee(ctx);
  return deleteCatalogRow(ctx.db, model, rowIdOf(input.id));
};

export const catalogEditResolvers: Resolvers = {
  Mutation: {
    createArtist: create('Artist'),
    updateArtist: update('Artist'),
    deleteArtist: remove('Artist'),
    createAlbum: create('Album'),
    updateAlbum: update('Album'),
    deleteAlbum: remove('Album'),
    createTrack: create('Track'),
    updateTrack: update('Track'),
    deleteTrack: remove('Track'),
  },
  // After commit: the request's loaders were cleared, so they read the committed row.
  ArtistPayload: { artist: async ({ id }, _, { loaders }) => (await loaders.artistById.load(id))! },
  AlbumPayload: { album: async ({ id }, _, { loaders }) => (await loaders.albumById.load(id))! },
  TrackPayload: { track: async ({ id }, _, { loaders }) => (await loaders.trackById.load(id))! },
  DeleteArtistPayload: { deletedArtistId: ({ id }) => id },
  DeleteAlbumPayload: { deletedAlbumId: ({ id }) => id },
  DeleteTrackPayload: { deletedTrackId: ({ id }) => id },
};
