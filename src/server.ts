import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Config } from './config';
import type { Database } from './db/client';
import { contextOf, scopes, type Context, type Scopes } from './context';
import type { Logger } from './logger';
import { createApollo } from './graphql/apollo';
import { OperationRunner } from './graphql/compiled-executor';
import { createAdmission, limitsOn } from './graphql/limits';
import { InFlight } from './graphql/operation-plugin';
import { cancelWithResponse, fallbackHandlers } from './http/guards';
import { graphqlEndpoint, type HttpContext } from './http/graphql-endpoint';
import { mountExplorer } from './http/explorer';
import { mountHealthRoutes } from './http/health';
import { Readiness } from './http/readiness';
import { attachWebSockets, type WebSocketOptions } from './http/websocket';
import { createMetrics } from './observability/metrics';
import { buildSchema } from './schema';
import { startLive } from './subscriptions/live';

export { DEBUG_HEADER } from './graphql/operation-plugin';

export interface ServerOptions {
  /** Most concurrent statements one request may run; default from the config. */
  maxStatementsPerRequest?: number;
  /**
   * How operations execute: compiled by graphql-jit (the default), or by graphql-js's
   * interpreter, kept so tests can check the two answer alike.
   */
  execution?: 'compiled' | 'graphql-js';
  /**
   * Builds each request's context instead of the shared-pool factory. Benchmarks use it
   * to run the client-per-request anti-pattern on this server.
   */
  createContext?: HttpContext<Context>;
}

export interface RunningServer {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql */
  url: string;
  httpServer: Server;
  /** GraphQL operations executing now; they go on after a client hangs up. */
  operationsInFlight(): number;
  /**
   * Turns /ready to 503 `draining`, keeps serving for `shutdownDelaySeconds`, then stops
   * accepting, lets in-flight requests finish (up to the grace period), and resolves.
   */
  stop(): Promise<void>;
}

// Listens on the configured port (0 picks a free one) and says where the API is.
async function listen(httpServer: Server, config: Config): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return `http://${host}:${port}/graphql`;
}

// The client's request id, if it is a plausible one (Node joins repeated ones with ", ").
const requestIdOf = (value: string | string[] | undefined) => (typeof value === 'string' && value && value.length <= 128 ? value : undefined);

// Each HTTP request's context: its viewer, and a fresh operation scope bound to its deadline.
function httpContext(scopesOf: Scopes, config: Config): HttpContext<Context> {
  return async ({ req, res }) => {
    const started = performance.now();
    const scope = await scopesOf.requestScope({ requestId: requestIdOf(req.headers['x-request-id']), authorization: req.headers.authorization });
    const operation = scopesOf.operationScope(scope);
    cancelWithResponse(res, (reason) => operation.db.cancel(reason), config.requestTimeoutMs, started);
    return contextOf(scope, operation);
  };
}

// Subscriptions: the LISTEN connection and hub, and the WebSocket server on the same path.
function startLiveUpdates(options: Omit<WebSocketOptions, 'hub' | 'path'> & { db: Database }) {
  const { db, metrics } = options;
  const live = startLive({ ...options, databaseUrl: db.url });
  const sockets = attachWebSockets({ ...options, path: '/graphql', hub: live.hub });
  metrics.live.readFrom({ sockets: sockets.sockets, subscriptions: () => live.hub.subscriptions, listening: () => live.listener.state === 'listening' });
  return {
    stats: () => ({ sockets: sockets.sockets(), tokens: sockets.tokens(), ...live.stats() }),
    stopSockets: (graceMs: number) => sockets.stop(graceMs),
    close: () => live.close(),
  };
}

/**
 * Builds the HTTP server with the GraphQL API at /graphql and starts listening on
 * `config.port` (0 picks a free port). No side effects until called.
 */
export async function createServer(config: Config, db: Database, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // An ETag hashes every answer, and GraphQL answers (POST) are never revalidated by one.
  app.set('etag', false);
  // POST /graphql, nearly every request, goes straight to the endpoint; the rest (and other
  // spellings of the path) through express's routes, where the endpoint is mounted too.
  let endpoint: ReturnType<typeof graphqlEndpoint<Context>> | undefined;
  const httpServer = createHttpServer((req, res) => {
    if (endpoint && req.method === 'POST' && (req.url === '/graphql' || req.url!.startsWith('/graphql?'))) void endpoint(req, res);
    else app(req, res);
  });
  // A client trickling its headers or body holds a socket: bound both (Node's defaults are minutes).
  httpServer.headersTimeout = 10_000;
  httpServer.requestTimeout = 30_000;
  const inFlight = new InFlight();
  const metrics = createMetrics(db.pool);
  const readiness = new Readiness(db.pool);
  const runner = new OperationRunner(buildSchema(), options.execution);
  const admission = createAdmission(config.limits);
  const apollo = createApollo({ config, logger, httpServer, metrics, inFlight, runner, admission, execution: options.execution });
  await apollo.start();

  const scopesOf = scopes(db, {
    maxStatementsPerRequest: options.maxStatementsPerRequest ?? config.maxStatementsPerRequest,
    jwtSecret: config.jwtSecret,
    tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
  });
  const live = startLiveUpdates({ httpServer, db, config, logger, metrics, inFlight, runner, admission, scopes: scopesOf });
  mountHealthRoutes(app, { pool: db.pool, operationsInFlight: () => inFlight.count, readiness, metrics, live: live.stats });
  if (!config.production) mountExplorer(app, '/graphql');
  endpoint = graphqlEndpoint({
    apollo,
    context: options.createContext ?? httpContext(scopesOf, config),
    limits: limitsOn(config.limits) ? config.limits : undefined,
    onError: (err) => logger.error({ err }, 'Unexpected HTTP error'),
  });
  app.all('/graphql', endpoint);
  app.use(...fallbackHandlers((err) => logger.error({ err }, 'Unexpected HTTP error')));

  const url = await listen(httpServer, config);
  let stopping: Promise<void> | undefined;
  return {
    url,
    httpServer,
    operationsInFlight: () => inFlight.count,
    stop: () =>
      (stopping ??= (async () => {
        readiness.startDraining();
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000));
        // Sockets first: their operations drain, then they close with 1001; then HTTP drains.
        await live.stopSockets(config.shutdownGraceSeconds * 1000);
        await apollo.stop();
        await live.close();
        metrics.close();
      })()),
  };
}
