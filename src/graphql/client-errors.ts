/*
 * What a client is told about any error: our own GraphQLErrors as they are; internal
 * errors (../errors.ts INTERNAL_ERRORS) and database failures (../db/failures.ts, by
 * SQLSTATE and Prisma code) as the client code the catalogue gives them; anything else as
 * INTERNAL_SERVER_ERROR, without its message.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { HeaderMap } from '@apollo/server';
import { classifyDatabaseError } from '../db/failures';
import {
  badUserInput,
  conflict,
  databaseBusy,
  databaseUnavailable,
  ERRORS,
  ErrorCode,
  internalError,
  notFound,
  queryTimeout,
  RETRY_AFTER_SECONDS,
  RETRYABLE_CODES,
  transactionConflict,
  unauthenticated,
} from '../errors';

// What a client is told of an internal error, by the code INTERNAL_ERRORS declares for it.
function forInternal(error: Error, client: ErrorCode | null): GraphQLError | undefined {
  switch (client) {
    case ErrorCode.DATABASE_BUSY:
      return databaseBusy();
    case ErrorCode.DATABASE_UNAVAILABLE:
      return databaseUnavailable();
    case ErrorCode.QUERY_TIMEOUT:
      return queryTimeout();
    case ErrorCode.UNAUTHENTICATED:
      return unauthenticated(error.message);
    default:
      return undefined;
  }
}

// The client-facing error a failure maps to, or undefined when it is not a known kind.
function knownFailure(error: unknown): GraphQLError | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    const entry = internalError(e);
    const answer = entry && forInternal(e as Error, entry.client);
    if (answer) return answer;
  }
  switch (classifyDatabaseError(error)) {
    case 'busy':
      return databaseBusy();
    case 'unavailable':
      return databaseUnavailable();
    case 'timeout':
      return queryTimeout();
    case 'bad-input':
      return badUserInput('', 'The database refused a value of this operation (out of range or malformed)');
    case 'unique':
      return conflict('A row with these values already exists');
    case 'foreign-key':
      return notFound('A row this operation refers to does not exist');
    case 'missing':
      return notFound('The row this operation changes does not exist');
    case 'serialization':
      return transactionConflict(1);
    default:
      return undefined;
  }
}

/**
 * A failure before execution (building the context), as Apollo sends it: with its HTTP
 * status and Retry-After when it is a known database failure, else unchanged.
 */
export function beforeExecution(error: unknown): unknown {
  const failure = knownFailure(error);
  if (!failure) return error;
  const status = ERRORS[failure.extensions.code as ErrorCode].status;
  const headers = new HeaderMap(RETRYABLE_CODES.has(failure.extensions.code as string) ? [['retry-after', String(RETRY_AFTER_SECONDS)]] : []);
  return new GraphQLError(failure.message, { extensions: { ...failure.extensions, http: { status, headers } } });
}

/** Longest message sent to a client; graphql-js echoes whole values in some of its own. */
const MAX_MESSAGE = 500;

/**
 * Turns any error raised while executing an operation into what a client may see.
 * Our own GraphQLErrors pass through; pool exhaustion, outages, timeouts and values the
 * database refused get their own codes; anything else becomes `INTERNAL_SERVER_ERROR`
 * without its message, stack or SQL (those are logged by the caller with the request id).
 */
export function toClientError(formatted: GraphQLFormattedError, error: unknown, production: boolean): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const where = { locations: formatted.locations, path: formatted.path };
  if (!(original instanceof GraphQLError)) {
    const failure = knownFailure(original);
    if (failure) return { message: failure.message, ...where, extensions: failure.extensions };
  }
  let code = formatted.extensions?.code;
  // Apollo raises some request errors (persisted queries, bad bodies) with an HTTP 4xx
  // status but no code of their own: they are the client's, not ours.
  const status = (original as { extensions?: { http?: { status?: number } } } | undefined)?.extensions?.http?.status;
  if (code === ErrorCode.INTERNAL_SERVER_ERROR && status !== undefined && status >= 400 && status < 500) {
    code = ErrorCode.BAD_REQUEST;
    formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
  }
  const known = original instanceof GraphQLError || (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR);
  if (!known) return { message: 'Internal server error', ...where, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  const message = formatted.message.length > MAX_MESSAGE ? `${formatted.message.slice(0, MAX_MESSAGE)}…` : formatted.message;
  if (!production) return { ...formatted, message };
  const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, message, extensions };
}

/** True when an error that reached the client is an unexpected one worth logging. */
export function isUnexpected(error: unknown): boolean {
  const original = unwrapResolverError(error);
  return !(original instanceof GraphQLError) && knownFailure(original) === undefined;
}
