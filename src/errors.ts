import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { HeaderMap } from '@apollo/server';
import { classifyDatabaseError, DatabaseFailure, PoolTimeoutError } from './db/failures';

/**
 * Every `extensions.code` this API returns, declared once with its HTTP status and what it
 * means. Clients may switch on these; they are stable. The README's error table is this list.
 */
export const ERRORS = {
  BAD_USER_INPUT: { status: 400, meaning: 'an argument or variable broke a rule; `argumentName` names it (for a mutation, the path of the bad input field, `input.items[2].quantity`)' },
  BAD_REQUEST: { status: 400, meaning: 'the HTTP request itself is malformed (body not JSON, no query, wrong method)' },
  GRAPHQL_PARSE_FAILED: { status: 400, meaning: 'the document is not GraphQL (Apollo)' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, meaning: 'the document does not fit the schema (Apollo)' },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, meaning: 'automatic persisted query unknown; send the document (Apollo)' },
  DOCUMENT_TOO_LARGE: { status: 413, meaning: 'the document is longer than MAX_DOCUMENT_BYTES' },
  TOO_MANY_TOKENS: { status: 400, meaning: 'the document has more tokens than MAX_TOKENS' },
  QUERY_TOO_DEEP: { status: 400, meaning: 'fields nest deeper than MAX_DEPTH, fragments included' },
  TOO_MANY_ALIASES: { status: 400, meaning: 'more aliases than MAX_ALIASES, fragments expanded' },
  TOO_MANY_DIRECTIVES: { status: 400, meaning: 'more directives than MAX_DIRECTIVES, fragments expanded' },
  TOO_MANY_FIELDS: { status: 400, meaning: 'more field selections than MAX_FIELDS, fragments expanded' },
  QUERY_TOO_COSTLY: { status: 400, meaning: 'the rows the page sizes ask for exceed MAX_COST' },
  UNAUTHENTICATED: { status: 401, meaning: 'no, bad or expired bearer token, or one naming nobody' },
  FORBIDDEN: { status: 200, meaning: 'the viewer may not see this' },
  QUERY_TIMEOUT: { status: 503, meaning: 'a statement ran past STATEMENT_TIMEOUT_MS or the request past REQUEST_TIMEOUT_MS' },
  SERVER_BUSY: { status: 503, meaning: 'heavy operations already use the capacity MAX_CONCURRENT_COST allows; retry after Retry-After' },
  DATABASE_BUSY: { status: 503, meaning: 'no pooled connection became free within pool_timeout; retry after Retry-After' },
  DATABASE_UNAVAILABLE: { status: 503, meaning: 'the database is unreachable, restarting or refusing connections; retry after Retry-After' },
  NOT_FOUND: { status: 404, meaning: 'no such HTTP route (404); in a mutation (200), a row it names does not exist (a foreign-key violation maps here)' },
  CONFLICT: { status: 409, meaning: 'a mutation conflicts with the data: a row others reference, an idempotency key reused for another basket, a unique value taken' },
  TRANSACTION_CONFLICT: { status: 409, meaning: 'a transaction kept meeting serialization failures or deadlocks after its retries; safe to retry' },
  TOO_MANY_SUBSCRIPTIONS: { status: 200, meaning: 'a WebSocket already holds MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions; complete one first' },
  EVENTS_MISSED: { status: 200, meaning: 'sent on a subscription, which goes on: events between `extensions.since` and `until` may have been lost (the server\'s LISTEN connection was down, or it was overloaded); re-read what you show' },
  INTERNAL_SERVER_ERROR: { status: 500, meaning: 'a bug; logged with the request id, never described to clients' },
} as const;

export type ErrorCode = keyof typeof ERRORS;
export const ErrorCode = Object.fromEntries(Object.keys(ERRORS).map((code) => [code, code])) as { readonly [C in ErrorCode]: C };

/** Codes that tell a client to retry later: answered with HTTP 503 and Retry-After. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([ErrorCode.SERVER_BUSY, ErrorCode.DATABASE_BUSY, ErrorCode.DATABASE_UNAVAILABLE, ErrorCode.QUERY_TIMEOUT]);

/** Seconds a client should wait before retrying after a retryable error. */
export const RETRY_AFTER_SECONDS = 1;

/** Longest piece of a client's value echoed back in a message. */
const MAX_ECHO = 80;

/** A client's value as a message shows it: JSON, cut short so a huge value is not echoed whole. */
export function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= MAX_ECHO) return text;
  // Never cut between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text[MAX_ECHO - 1]) ? MAX_ECHO - 1 : MAX_ECHO;
  return `${text.slice(0, end)}… (${text.length} characters)`;
}

/** Invalid arguments: names the argument, the rule and the value given. */
export function badUserInput(argument: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, argumentName: argument } });
}

/** A row a mutation names does not exist (`Playlist 42 not found`). */
export function notFound(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.NOT_FOUND } });
}

/** A mutation conflicts with what the database holds; `extensions` say with what (`referencedBy`). */
export function conflict(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code: ErrorCode.CONFLICT } });
}

/** A transaction met serialization failures or deadlocks on every one of its attempts. */
export function transactionConflict(attempts: number): GraphQLError {
  return new GraphQLError(`The transaction conflicted with concurrent ones ${attempts} times (serialization failure or deadlock); retry`, {
    extensions: { code: ErrorCode.TRANSACTION_CONFLICT, attempts },
  });
}

/** No credentials, or bad ones; HTTP 401 when raised before execution (bad token). */
export function unauthenticated(message = 'Sign in to see this: send Authorization: Bearer <token>'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/** Events may have been lost between `since` and `until` (ms since the epoch): the subscription goes on. */
export function eventsMissed(since: number, until: number): GraphQLError {
  return new GraphQLError('Events may have been missed while the server could not receive them; re-read what you show', {
    extensions: { code: ErrorCode.EVENTS_MISSED, since: new Date(since).toISOString(), until: new Date(until).toISOString() },
  });
}

/** The viewer is known but may not see this. */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

/** An operation over one of the limits of ./graphql/limits.ts, refused before it runs. */
export function limitExceeded(code: ErrorCode, limit: string, max: number, actual: number, what: string): GraphQLError {
  const shown = Number.isFinite(actual) && actual < 1e15 ? String(actual) : 'more than 10^15';
  return new GraphQLError(`${what} ${shown}, over the limit of ${max} (${limit})`, {
    extensions: { code, limit, max, actual: Number.isFinite(actual) ? actual : null, http: { status: ERRORS[code].status } },
  });
}

/** The pool had no free connection within `pool_timeout`. */
export function databaseBusy(): GraphQLError {
  return retryable(ErrorCode.DATABASE_BUSY, 'The database is busy; retry shortly');
}

/** The database cannot be reached or is restarting. */
export function databaseUnavailable(): GraphQLError {
  return retryable(ErrorCode.DATABASE_UNAVAILABLE, 'The database is unavailable; retry shortly');
}

/** A statement or the whole request ran out of time, and was cancelled. */
export function queryTimeout(message = 'The operation took too long and was cancelled'): GraphQLError {
  return retryable(ErrorCode.QUERY_TIMEOUT, message);
}

function retryable(code: ErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, retryAfterSeconds: RETRY_AFTER_SECONDS } });
}

// The client-facing error a failure maps to, or undefined when it is not a known kind.
function knownFailure(error: unknown): GraphQLError | undefined {
  for (let e = error as { cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (e instanceof PoolTimeoutError) return databaseBusy();
    if (e instanceof DatabaseFailure) return e.kind === 'unavailable' ? databaseUnavailable() : queryTimeout();
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

/** A JSON error body for failures outside GraphQL (bad HTTP requests), in GraphQL's shape. */
export function httpErrorBody(code: ErrorCode, message: string): { errors: Array<{ message: string; extensions: { code: ErrorCode } }> } {
  return { errors: [{ message, extensions: { code } }] };
}
