import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { Config } from '../config';
import './apollo-hot-path';
import type { Context } from '../context';
import { toClientError } from './client-errors';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { compiledExecutor, type OperationRunner } from './compiled-executor';
import type { Admission } from './admission';
import { limitsOn, limitsPlugin } from './limits';
import { KnownOperationTypeRule, NoSubscriptionOverHttpRule } from './rules';
import { metricsPlugin } from './metrics-plugin';
import { operationPlugin, type InFlight } from './operation-plugin';

export interface ApolloOptions {
  config: Config;
  logger: Logger;
  /** Drained on stop, within the shutdown grace period. */
  httpServer: Server;
  metrics: Metrics;
  inFlight: InFlight;
  /** Runs operations: compiled by graphql-jit unless it was made to interpret with graphql-js. */
  runner: OperationRunner;
  /** Admission control, shared with the WebSocket transport. */
  admission: Admission;
  /** graphql-js's interpreter (Apollo's own) instead of the runner's compiled operations. */
  execution?: 'compiled' | 'graphql-js';
}

/** The Apollo Server of the API: schema and executor, limits, error formatting and plugins. */
export function createApollo({ config, logger, httpServer, metrics, inFlight, runner, admission, execution }: ApolloOptions): ApolloServer<Context> {
  return new ApolloServer<Context>({
    ...(execution === 'graphql-js' ? { schema: runner.schema } : { gateway: compiledExecutor(runner) }),
    introspection: !config.production,
    // Backstop for the document limits checked before Apollo (http/guards.ts).
    parseOptions: config.limits.maxTokens ? { maxTokens: config.limits.maxTokens } : {},
    validationRules: [KnownOperationTypeRule, NoSubscriptionOverHttpRule],
    // The process's owner (main.ts) handles signals: Apollo's own handler would re-raise
    // the signal once stopped, killing the process before the database is released.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !config.production,
    formatError: (formatted, error) => toClientError(formatted, error, config.production),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceSeconds * 1000 }),
      // We set no cache hints; the default plugin would still wrap every resolver.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo installs its federated-tracing plugin unless told not to; this is no subgraph,
      // yet it would be asked, and answer nothing, on every request.
      ApolloServerPluginInlineTraceDisabled(),
      // Outside production browsers get our GraphiQL (http/explorer.ts) instead of Apollo
      // Sandbox, which loads from Apollo's CDN and so is blank without internet access.
      config.production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageDisabled(),
      ...(limitsOn(config.limits) ? [limitsPlugin(config.limits, admission)] : []),
      operationPlugin(config, logger, inFlight),
      metricsPlugin(metrics),
    ],
  });
}
