import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import cors from 'cors';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { Config } from './config';
import type { Database } from './db/client';
import { contextFactory, type Context } from './context';
import type { LoaderMode } from './loaders/factories';
import { RETRYABLE_CODES, RETRY_AFTER_SECONDS, isUnexpected, toClientError } from './errors';
import type { Logger } from './logger';
import { buildSchema } from './schema';
import { compiledExecutor } from './graphql/compiled-executor';
import { KnownOperationTypeRule, limitsPlugin } from './graphql/limits';
import { documentLimits, fallbackHandlers, jsonBody, requestSignal } from './http/guards';
import { metricsPlugin } from './graphql/metrics-plugin';
import { mountExplorer } from './http/explorer';
import { mountHealthRoutes } from './http/health';
import { Readiness } from './http/readiness';
import { createMetrics } from './observability/metrics';

/** Header a client sends (outside production) to get the operation's telemetry back. */
export const DEBUG_HEADER = 'x-debug-telemetry';

export interface ServerOptions {
  /** Most concurrent statements one request may run; default from the config. */
  maxStatementsPerRequest?: number;
  /**
   * How operations execute: compiled by graphql-jit (the default), or by graphql-js's
   * interpreter, kept so tests can check the two answer alike.
   */
  execution?: 'compiled' | 'graphql-js';
  /** `per-parent` turns batching off: only benchmarks and tests use it, as the N+1 baseline. */
  loaderMode?: LoaderMode;
  /**
   * Builds each request's context instead of the shared-pool factory. Benchmarks use it
   * to run the client-per-request anti-pattern on this server.
   */
  createContext?: (http: { req: express.Request; res: express.Response }) => Promise<Context>;
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

// Reports the request's database use: always to the debug log, and to the client in
// `extensions.telemetry` when it asks outside production. Also turns retryable errors
// (DATABASE_BUSY, DATABASE_UNAVAILABLE, QUERY_TIMEOUT) into HTTP 503 with Retry-After, so
// proxies and clients back off.
function operationPlugin(config: Config, logger: Logger, load: { inFlight: number }): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      load.inFlight++;
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (isUnexpected(error.originalError ?? error)) {
              logger.error({ requestId: contextValue.requestId, err: error.originalError ?? error }, 'Unexpected error');
            }
          }
        },
        async willSendResponse({ response, contextValue: ctx, operationName }) {
          load.inFlight--;
          const telemetry = { ...ctx.db.stats, cost: ctx.cost };
          logger.debug({ requestId: ctx.requestId, operationName, ...telemetry }, 'operation');
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (errors?.some((e) => RETRYABLE_CODES.has(e.extensions?.code as string))) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
          if (!config.production && request.http?.headers.get(DEBUG_HEADER)) {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, telemetry };
          }
        },
      };
    },
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
  const httpServer = createHttpServer(app);
  const load = { inFlight: 0 };
  const limitsOn = Object.values(config.limits).some((limit) => limit > 0);
  const metrics = createMetrics(db.pool);
  const readiness = new Readiness(db.pool);
  const apollo = new ApolloServer<Context>({
    ...(options.execution === 'graphql-js' ? { schema: buildSchema() } : { gateway: compiledExecutor(buildSchema()) }),
    introspection: !config.production,
    // Backstop for the document limits checked before Apollo (http/guards.ts).
    parseOptions: config.limits.maxTokens ? { maxTokens: config.limits.maxTokens } : {},
    validationRules: [KnownOperationTypeRule],
    // The process's owner (main.ts) handles signals: Apollo's own handler would re-raise
    // the signal once stopped, killing the process before the database is released.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !config.production,
    formatError: (formatted, error) => toClientError(formatted, error, config.production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceSeconds * 1000 }),
      // We set no cache hints; the default plugin would still wrap every resolver.
      ApolloServerPluginCacheControlDisabled(),
      // Outside production browsers get our GraphiQL (http/explorer.ts) instead of Apollo
      // Sandbox, which loads from Apollo's CDN and so is blank without internet access.
      config.production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled(),
      ...(limitsOn ? [limitsPlugin(config.limits)] : []),
      operationPlugin(config, logger, load),
      metricsPlugin(metrics),
    ],
  });
  await apollo.start();

  const sharedContext = contextFactory(db, {
    maxStatementsPerRequest: options.maxStatementsPerRequest ?? config.maxStatementsPerRequest,
    jwtSecret: config.jwtSecret,
    tokenMaxLifetimeSeconds: config.tokenMaxLifetimeSeconds,
    loaderMode: options.loaderMode,
  });
  const createContext =
    options.createContext ??
    (({ req, res }: { req: express.Request; res: express.Response }) =>
      sharedContext({ requestId: req.get('x-request-id') || undefined, authorization: req.get('authorization'), signal: requestSignal(res, config.requestTimeoutMs) }));
  mountHealthRoutes(app, { pool: db.pool, operationsInFlight: () => load.inFlight, readiness, metrics });
  if (!config.production) mountExplorer(app, '/graphql');
  app.use(
    '/graphql',
    cors(),
    ...jsonBody(),
    ...(limitsOn ? [documentLimits(config.limits)] : []),
    expressMiddleware(apollo, {
      context: createContext,
    }),
  );
  app.use(...fallbackHandlers((err) => logger.error({ err }, 'Unexpected HTTP error')));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/graphql`,
    httpServer,
    operationsInFlight: () => load.inFlight,
    stop: () =>
      (stopping ??= (async () => {
        readiness.startDraining();
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000));
        await apollo.stop();
        metrics.close();
      })()),
  };
}
