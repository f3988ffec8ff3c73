/*
 * The one error catalogue, a leaf (it imports nothing of ours): every code a client may
 * get, with its HTTP status (ERRORS), and every error raised inside the server or its
 * tooling, with its class and the code a client gets instead (INTERNAL_ERRORS). Errors are
 * recognised by class and code, never by message text. What a client is finally sent is
 * decided in ./graphql/client-errors.ts.
 */
import { GraphQLError } from 'graphql';

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
  TOO_MANY_OPERATIONS: { status: 200, meaning: 'a WebSocket already has MAX_OPERATIONS_PER_SOCKET operations in flight; wait for one to be answered' },
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

/** Raised when no pooled connection frees up within `pool_timeout`. */
export class PoolTimeoutError extends Error {
  static readonly CODE = 'POOL_TIMEOUT';
  readonly code = PoolTimeoutError.CODE;
  constructor(timeoutMs: number) {
    super(`No database connection became free within ${timeoutMs} ms (pool_timeout)`);
    this.name = 'PoolTimeoutError';
  }
}

/** A failure our own database door recognised where it happened (see ./db/instrumented-pool.ts, ./db/request-db.ts). */
export class DatabaseFailure extends Error {
  static readonly UNAVAILABLE = 'DB_UNAVAILABLE';
  static readonly CANCELLED = 'DB_CANCELLED';
  readonly code: typeof DatabaseFailure.UNAVAILABLE | typeof DatabaseFailure.CANCELLED;
  constructor(
    readonly kind: 'unavailable' | 'cancelled',
    cause: unknown,
  ) {
    super(kind === 'unavailable' ? 'The database is unavailable' : 'The operation was cancelled', { cause });
    this.name = 'DatabaseFailure';
    this.code = kind === 'unavailable' ? DatabaseFailure.UNAVAILABLE : DatabaseFailure.CANCELLED;
  }
}

/** Why a bearer token was refused (./auth/token.ts), in words fit for the client. */
export class InvalidTokenError extends Error {
  readonly code = 'INVALID_TOKEN';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** Raised when migrations cannot be applied (./db/admin/migrate.ts); `code` follows Prisma's where one exists. */
export class MigrationError extends Error {
  constructor(
    readonly code: 'P3009' | 'P3018' | 'MIGRATION_LOCK_TIMEOUT' | 'PROVIDER_MISMATCH' | 'SCHEMA_NOT_EMPTY',
    message: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** One internal error: its class, the code a client gets instead (null: none ever does), and what it means. */
export interface InternalErrorEntry {
  error: abstract new (...args: never[]) => Error;
  client: ErrorCode | null;
  meaning: string;
}

type InternalCode = PoolTimeoutError['code'] | DatabaseFailure['code'] | InvalidTokenError['code'] | MigrationError['code'];

/**
 * Every error raised inside the server or its tooling, by its `code`, declared once (the
 * compiler checks that each class's codes are here). The README's second error table is
 * this list.
 */
export const INTERNAL_ERRORS = {
  POOL_TIMEOUT: { error: PoolTimeoutError, client: ErrorCode.DATABASE_BUSY, meaning: 'no pooled connection became free within pool_timeout' },
  DB_UNAVAILABLE: { error: DatabaseFailure, client: ErrorCode.DATABASE_UNAVAILABLE, meaning: 'a connection could not be opened, or died under a statement' },
  DB_CANCELLED: { error: DatabaseFailure, client: ErrorCode.QUERY_TIMEOUT, meaning: 'the operation passed its deadline or its client hung up while it waited for or used a connection' },
  INVALID_TOKEN: { error: InvalidTokenError, client: ErrorCode.UNAUTHENTICATED, meaning: 'the bearer token was refused; its message, written for clients, is sent' },
  P3009: { error: MigrationError, client: null, meaning: 'an earlier migration failed and was not resolved (Prisma P3009)' },
  P3018: { error: MigrationError, client: null, meaning: 'a migration failed to apply and was rolled back (Prisma P3018)' },
  MIGRATION_LOCK_TIMEOUT: { error: MigrationError, client: null, meaning: "another migration held Prisma's advisory lock for over 10 s" },
  PROVIDER_MISMATCH: { error: MigrationError, client: null, meaning: 'migration_lock.toml names a provider other than postgresql' },
  SCHEMA_NOT_EMPTY: { error: MigrationError, client: null, meaning: 'the database has tables but no migration history' },
} as const satisfies Record<InternalCode, InternalErrorEntry>;

/** The catalogue entry of an internal error, recognised by class and code; undefined for any other value. */
export function internalError(error: unknown): InternalErrorEntry | undefined {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return undefined;
  if (!Object.hasOwn(INTERNAL_ERRORS, error.code)) return undefined;
  const entry: InternalErrorEntry = INTERNAL_ERRORS[error.code as InternalCode];
  return error instanceof entry.error ? entry : undefined;
}

/** A JSON error body for failures outside GraphQL (bad HTTP requests), in GraphQL's shape. */
export function httpErrorBody(code: ErrorCode, message: string): { errors: Array<{ message: string; extensions: { code: ErrorCode } }> } {
  return { errors: [{ message, extensions: { code } }] };
}
