import type { CodegenConfig } from '@graphql-codegen/cli';

import { loadTypeDefs, pagedNodeTypes } from './src/schema/sdl';

const typeDefs = loadTypeDefs('src/schema');
// Every paged node type is a Prisma model read by the loaders.
const models = pagedNodeTypes(typeDefs);

// Resolver signatures typed from the SDL, with parents and results typed as the rows
// the loaders return (Prisma models) and every connection as our Page type.
const config: CodegenConfig = {
  schema: typeDefs,
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context#Context',
        useIndexSignature: true,
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { ID: { input: 'string', output: 'string | number' }, Decimal: '{ toFixed(digits: number): string } | string', DateTime: 'Date' },
        mappers: {
          ...Object.fromEntries(models.map((m) => [m, `./prisma/client#${m}`])),
          ...Object.fromEntries(models.map((m) => [`${m}Connection`, `../graphql/connections#Page<${m}Model>`])),
          PageInfo: '../graphql/connections#Page<unknown>',
          Viewer: '../auth/token#Principal',
          // Mutation payloads carry ids from the transaction; their objects load after commit.
          PurchasePayload: '../writes/purchase#PurchaseResult',
          // Subscription events carry ids from NOTIFY; their objects load per event.
          PlaylistChange: '../subscriptions/events#PlaylistChanged',
          ...Object.fromEntries(
            ['PlaylistPayload', 'DeletePlaylistPayload', 'AddTracksToPlaylistPayload', 'RemoveTracksFromPlaylistPayload'].map((p) => [p, '../writes/playlists#PlaylistEditResult']),
          ),
          ...Object.fromEntries(
            ['Artist', 'Album', 'Track'].flatMap((m) => [`${m}Payload`, `Delete${m}Payload`]).map((p) => [p, '../writes/catalog#CatalogEditResult']),
          ),
        },
        mapperTypeSuffix: 'Model',
      },
    },
  },
};
export default config;
