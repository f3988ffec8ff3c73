import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { PoolTimeoutError } from './db/instrumented-pool';

/** Every `extensions.code` this API returns. Clients may switch on these; they are stable. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  DATABASE_BUSY: 'DATABASE_BUSY',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Seconds a client should wait before retrying after `DATABASE_BUSY`. */
export const RETRY_AFTER_SECONDS = 1;

/** Invalid arguments: names the argument, the rule and the value given. */
export function badUserInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: argument } });
}

/** No credentials, or bad ones; HTTP 401 when raised before execution (bad token). */
export function unauthenticated(message = 'Sign in to see this: send Authorization: Bearer <token>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/** The viewer is known but may not see this. */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

/** The pool had no free connection within `pool_timeout`. */
export function databaseBusy(): GraphQLError {
  return new GraphQLError('The database is busy; retry shortly', {
    extensions: { code: ErrorCode.DATABASE_BUSY, retryAfterSeconds: RETRY_AFTER_SECONDS },
  });
}

// Prisma wraps errors thrown by the driver adapter's pool; the original is kept as a
// cause somewhere down the chain, or only its message survives.
function isPoolTimeout(error: unknown): boolean {
  for (let e = error as { cause?: unknown; message?: string } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e instanceof PoolTimeoutError || e.message?.includes('(pool_timeout)')) return true;
  }
  return false;
}

/**
 * Turns any error raised while executing an operation into what a client may see.
 * Our own GraphQLErrors pass through; pool exhaustion becomes `DATABASE_BUSY`; anything
 * else becomes `INTERNAL_SERVER_ERROR` without its message, stack or SQL (those are
 * logged by the caller with the request id).
 */
export function toClientError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isPoolTimeout(original)) {
    const busy = databaseBusy();
    return { message: busy.message, locations: formatted.locations, path: formatted.path, extensions: busy.extensions };
  }
  const code = formatted.extensions?.code;
  const known = original instanceof GraphQLError || (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR);
  if (known) {
    if (!production) return formatted;
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return {
    message: 'Internal server error',
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** True when an error that reached the client is an unexpected one worth logging. */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return !(original instanceof GraphQLError) && !isPoolTimeout(original);
}
