import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/graphql';
import { connectionResolvers, pageInfoResolvers } from '../graphql/connections';
import { scalarResolvers } from './scalars';
import { loadTypeDefs } from './sdl';
import { catalogResolvers } from './catalog/catalog.resolvers';
import { peopleResolvers } from './people/people.resolvers';
import { playlistResolvers } from './playlists/playlists.resolvers';
import { salesResolvers } from './sales/sales.resolvers';
import { purchaseResolvers } from './sales/purchase.resolvers';
import { playlistEditResolvers } from './playlists/playlist-edits.resolvers';
import { catalogEditResolvers } from './catalog/catalog-edits.resolvers';
import { invoiceCreatedResolvers } from './sales/invoice-created.resolvers';
import { playlistChangedResolvers } from './playlists/playlist-changed.resolvers';
import { version } from '../../package.json';


const domains: Resolvers[] = [catalogResolvers, playlistResolvers, peopleResolvers, salesResolvers, purchaseResolvers, playlistEditResolvers, catalogEditResolvers, invoiceCreatedResolvers, playlistChangedResolvers];

/** Builds the executable schema: SDL files plus each domain's resolvers. */
export function buildSchema(): GraphQLSchema {
  const typeDefs = loadTypeDefs();
  const connections = Object.fromEntries(
    typeDefs.flatMap((sdl) => [...sdl.matchAll(/^type (\w+Connection) /gm)].map((m) => [m[1], connectionResolvers])),
  );
  return makeExecutableSchema({
    typeDefs,
    resolvers: [
      scalarResolvers,
      { Query: { version: () => version } },
      { ...connections, PageInfo: pageInfoResolvers },
      ...(domains as Array<Record<string, never>>),
    ],
  });
}
