/*
 * What kind of database failure an error is, read from the codes the driver, Node and
 * Prisma attach, never from message text. Prisma wraps driver errors: a known request
 * error keeps the driver's SQLSTATE in `meta.driverAdapterError.cause`, and connection
 * failures become its P1xxx codes.
 */
import { DatabaseFailure, PoolTimeoutError } from '../errors';

/** How a client should be told about a database error, or undefined for a bug. */
export type FailureKind =
  | 'busy'
  | 'unavailable'
  | 'timeout'
  | 'bad-input'
  /** A unique key already holds these values (23505). */
  | 'unique'
  /** A foreign key names a row that does not exist, or a row others reference was deleted (23503). */
  | 'foreign-key'
  /** The row a write names does not exist (Prisma's P2025). */
  | 'missing'
  /** A serialization failure or a deadlock (40001, 40P01): the transaction may be retried. */
  | 'serialization';

// Node's socket errors on the way to the server.
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
// Prisma: can't reach the server, timed out reaching it, server closed the connection.
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1017']);
// @prisma/adapter-pg's kinds for the same.
const ADAPTER_UNAVAILABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TlsConnectionError']);

/** The kind of an SQLSTATE, by its class: https://www.postgresql.org/docs/current/errcodes-appendix.html */
function bySqlState(state: string): FailureKind | undefined {
  if (state.startsWith('08')) return 'unavailable'; // connection exception
  if (state === '57P01' || state === '57P02' || state === '57P03' || state === '53300') return 'unavailable'; // shutdown, crash, starting up, too many connections
  if (state === '57014') return 'timeout'; // query_canceled: statement_timeout or our cancel
  if (state.startsWith('22')) return 'bad-input'; // data exception: a value the column type refuses
  if (state === '23505') return 'unique'; // unique_violation
  if (state === '23503') return 'foreign-key'; // foreign_key_violation
  if (state === '40001' || state === '40P01') return 'serialization'; // serialization_failure, deadlock_detected
  return undefined;
}

// Prisma's own codes for the same, when it raises them without the driver's SQLSTATE:
// https://www.prisma.io/docs/orm/reference/error-reference
const PRISMA_KINDS: Record<string, FailureKind> = { P2002: 'unique', P2003: 'foreign-key', P2025: 'missing', P2034: 'serialization' };

/** The SQLSTATE of a database error, looking through Prisma's and the adapter's wrappers. */
export function sqlStateOf(error: unknown): string | undefined {
  for (let e = error as ErrorLike | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as ErrorLike, depth++) {
    const adapter = e.meta?.driverAdapterError?.cause;
    const state = adapter?.originalCode ?? adapter?.code ?? e.code;
    if (typeof state === 'string' && /^[0-9A-Z]{5}$/.test(state)) return state;
  }
  return undefined;
}

interface ErrorLike {
  code?: unknown;
  cause?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  meta?: { driverAdapterError?: { cause?: ErrorLike } };
}

/** Classifies a database error, looking through Prisma's and our wrappers. */
export function classifyDatabaseError(error: unknown): FailureKind | undefined {
  for (let e = error as ErrorLike | undefined, depth = 0; e && typeof e === 'object' && depth < 8; e = e.cause as ErrorLike, depth++) {
    const adapter = e.meta?.driverAdapterError?.cause;
    if (adapter) {
      if (typeof adapter.kind === 'string' && ADAPTER_UNAVAILABLE.has(adapter.kind)) return 'unavailable';
      const state = adapter.originalCode ?? adapter.code;
      if (typeof state === 'string') return bySqlState(state);
    }
    if (typeof e.code === 'string' && e.code in PRISMA_KINDS) return PRISMA_KINDS[e.code];
    if (typeof e.kind === 'string' && ADAPTER_UNAVAILABLE.has(e.kind)) return 'unavailable';
    if (typeof e.code !== 'string') continue;
    // Prisma keeps the code of an error our pool raised, though not the error itself.
    if (e.code === PoolTimeoutError.CODE) return 'busy';
    if (e.code === DatabaseFailure.UNAVAILABLE) return 'unavailable';
    if (e.code === DatabaseFailure.CANCELLED) return 'timeout';
    if (PRISMA_UNAVAILABLE.has(e.code) || NETWORK_ERRNOS.has(e.code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(e.code)) return bySqlState(e.code);
  }
  return undefined;
}
