import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Config } from '../config';
import type { Context } from '../context';
import { RETRYABLE_CODES, RETRY_AFTER_SECONDS } from '../errors';
import { isUnexpected } from './client-errors';
import type { Logger } from '../logger';

/** Header a client sends (outside production) to get the operation's telemetry back. */
export const DEBUG_HEADER = 'x-debug-telemetry';

/** Most errors one answer carries: a cancelled wide operation fails every field alike. */
const MAX_ERRORS = 20;

/** The first errors, and one saying how many more were left out, with the first's code. */
export function capped(errors: readonly GraphQLFormattedError[] | undefined): readonly GraphQLFormattedError[] | undefined {
  if (!errors || errors.length <= MAX_ERRORS) return errors;
  const more = { message: `${errors.length - MAX_ERRORS} more errors left out`, extensions: { code: errors[0].extensions?.code } };
  return [...errors.slice(0, MAX_ERRORS), more];
}

/** GraphQL operations being worked on; they go on after a client hangs up. */
export class InFlight {
  count = 0;
}

/**
 * Reports each operation's database use: always to the debug log, and to the client in
 * `extensions.telemetry` when it asks outside production. Turns retryable errors
 * (DATABASE_BUSY, DATABASE_UNAVAILABLE, QUERY_TIMEOUT) into HTTP 503 with Retry-After,
 * so proxies and clients back off; logs unexpected errors with the request id; counts
 * operations in flight.
 */
export function operationPlugin(config: Config, logger: Logger, inFlight: InFlight): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ request, contextValue }) {
      inFlight.count++;
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (isUnexpected(error.originalError ?? error)) {
              logger.error({ requestId: contextValue.requestId, err: error.originalError ?? error }, 'Unexpected error');
            }
          }
        },
        async willSendResponse({ response, contextValue: ctx, operationName }) {
          inFlight.count--;
          const telemetry = () => ({ ...ctx.db.stats, cost: ctx.cost });
          if (logger.isLevelEnabled('debug')) logger.debug({ requestId: ctx.requestId, operationName, ...telemetry() }, 'operation');
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          // Written only when there are errors: a property added to every answer costs a shape change.
          const errors = result.errors && (result.errors = capped(result.errors));
          if (errors?.some((e) => RETRYABLE_CODES.has(e.extensions?.code as string))) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          }
          if (!config.production && request.http?.headers.get(DEBUG_HEADER)) {
            result.extensions = { ...result.extensions, telemetry: telemetry() };
          }
        },
      };
    },
  };
}
