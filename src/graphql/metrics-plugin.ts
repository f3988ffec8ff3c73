import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Context } from '../context';
import type { Metrics } from '../observability/metrics';

// Cost analysis (a separate plugin) leaves its estimate here; absent when it did not run.
function costOf(ctx: Context): number | undefined {
  const cost = (ctx as { cost?: unknown }).cost;
  return typeof cost === 'number' && Number.isFinite(cost) ? cost : undefined;
}

// Errors raised before the request pipeline reach the client formatted from this code.
function codeOf(error: Error): string {
  const code = error instanceof GraphQLError ? error.extensions.code : undefined;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * Records every GraphQL request in `metrics`: its duration by operation and outcome, each
 * error code sent (parse and validation failures and refused requests included) and, for
 * operations that executed, their SQL statements, peak connections and estimated cost.
 * Reads the errors as formatted for the client, so codes are the ones clients see.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      metrics.countError(codeOf(error));
    },
    async invalidRequestWasReceived({ error }) {
      metrics.countError(codeOf(error));
    },
    async requestDidStart() {
      const started = performance.now();
      let executed = false;
      return {
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ request, operationName, response, contextValue: ctx }) {
          const body = response.body;
          const errors: readonly GraphQLFormattedError[] = (body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors) ?? [];
          for (const error of errors) metrics.countError(error.extensions?.code);
          // Parse and validation failures have no resolved operation; the name the client sent stands in.
          const operation = metrics.operationLabels.of(operationName ?? request.operationName);
          const outcome = errors.length > 0 ? metrics.codeLabel(errors[0].extensions?.code) : 'ok';
          metrics.requestDuration.observe({ operation, outcome }, (performance.now() - started) / 1000);
          if (!executed) return;
          metrics.statements.observe(ctx.db.stats.statements);
          metrics.peakConnections.observe(ctx.db.stats.peakConnections);
          const cost = costOf(ctx);
          if (cost !== undefined) metrics.cost.observe(cost);
        },
      };
    },
  };
}
