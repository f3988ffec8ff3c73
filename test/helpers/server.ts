import { loadConfig } from '../../src/config';
import { contextFactory } from '../../src/context';
import type { RequestDb } from '../../src/db/request-db';
import type { Loaders } from '../../src/loaders';
import { openDatabase, type Database } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { createServer, DEBUG_HEADER, type RunningServer, type ServerOptions } from '../../src/server';
import type { OperationStats } from '../../src/db/stats';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
  /** The server's database telemetry for this operation. */
  telemetry: OperationStats & { cost?: number };
}

export interface TestServer {
  url: string;
  db: Database;
  server: RunningServer;
  /** Sends an operation over real HTTP and returns the result with its telemetry. */
  query<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** Starts the real HTTP server on a free port over `databaseUrl` (pool params allowed). */
export async function startTestServer(
  databaseUrl: string,
  {
    env,
    loaders,
    ...serverOptions
  }: Pick<ServerOptions, 'maxStatementsPerRequest' | 'execution'> & { env?: Record<string, string>; loaders?: (db: RequestDb) => Loaders } = {},
): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, ...env });
  const db = openDatabase(databaseUrl, { statementTimeoutMs: config.statementTimeoutMs });
  // Another loader set is composed into a context of its own, as the benchmark does.
  const context = loaders && contextFactory(db, { maxStatementsPerRequest: serverOptions.maxStatementsPerRequest ?? config.maxStatementsPerRequest, jwtSecret: config.jwtSecret, loaders });
  const createContext = context && (async ({ req }: { req: { headers: { authorization?: string } } }) => context({ authorization: req.headers.authorization }));
  const server = await createServer(config, db, createLogger('silent'), { ...serverOptions, createContext });
  return {
    url: server.url,
    db,
    server,
    async query(query, variables, headers) {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [DEBUG_HEADER]: '1', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: any[]; extensions?: { telemetry: OperationStats } };
      return { status: res.status, headers: res.headers, data: body.data, errors: body.errors, telemetry: body.extensions?.telemetry as OperationStats };
    },
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
