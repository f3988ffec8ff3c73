/*
 * PostGraphile v5, as a peer the product is measured against: its Amber preset with the
 * connection-filter plugin (for the title search), served by grafserv on node:http over a
 * pg.Pool of its own, on the bench's database. Loaded by bench/servers/child.ts from this
 * folder, so that it resolves PostGraphile, graphql and pg from node_modules here, never
 * the product's.
 *
 * PostGraphile has no notion of the product's viewers: a Bearer token is verified (HS256,
 * the same secret) so that it costs what it costs the product, and a bad one is refused,
 * but the rows a signed-in viewer may see are chosen by the query's variables.
 */
import './node20.js';
import { createServer } from 'node:http';
import pg from 'pg';
import jwt from 'jsonwebtoken';
import { postgraphile } from 'postgraphile';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';
import { makePgService } from 'postgraphile/adaptors/pg';
import { PostGraphileConnectionFilterPreset } from 'postgraphile-plugin-connection-filter';

/**
 * Starts PostGraphile on a free loopback port.
 * @param {{ connectionString: string; max: number; applicationName: string; jwtSecret: string }} options
 */
export async function startPostGraphile(options) {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.max, application_name: options.applicationName });
  pool.on('error', () => undefined);
  let statements = 0;
  pool.on('connect', (client) => {
    const query = client.query;
    client.query = function countedQuery(...args) {
      statements++;
      return query.apply(this, args);
    };
  });

  const preset = {
    extends: [PostGraphileAmberPreset, PostGraphileConnectionFilterPreset],
    pgServices: [makePgService({ pool, schemas: ['public'] })],
    grafserv: { graphqlPath: '/graphql', graphiql: false, watch: false },
    grafast: { explain: false },
    schema: {
      connectionFilterAllowedOperators: ['includesInsensitive'],
      connectionFilterAllowedFieldTypes: ['String'],
      connectionFilterRelations: false,
      connectionFilterComputedColumns: false,
      connectionFilterSetofFunctions: false,
      connectionFilterArrays: false,
    },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const handler = serv.createHandler();
  const verified = new Map();

  const server = createServer((req, res) => {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token !== undefined && !verified.has(token)) {
      try {
        verified.set(token, jwt.verify(token, options.jwtSecret, { algorithms: ['HS256'], issuer: 'media-store', audience: 'media-store-api' }));
      } catch {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ message: 'Invalid token', extensions: { code: 'UNAUTHENTICATED' } }] }));
        return;
      }
    }
    handler(req, res);
  });
  // Builds the schema (introspection) before the first request is measured.
  await pgl.getSchema();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    server,
    statements: () => statements,
    stop: async () => {
      const closed = new Promise((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await pgl.release();
      await pool.end();
    },
  };
}
