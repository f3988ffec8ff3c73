import { randomUUID } from 'node:crypto';
import { RequestDb, type DatabaseHandles } from './db/request-db';
import { createLoaders, type Loaders } from './loaders';
import { purchase } from './writes/purchase';
import { Access, type Viewer } from './auth/access';
import { InvalidTokenError, unauthenticated } from './errors';
import { beforeExecution } from './graphql/client-errors';
import type { Subscribe } from './subscriptions/hub';
import { verifyTokenUntil, type Principal, type VerifyOptions } from './auth/token';

/** Who asks: built once per HTTP request, or once per WebSocket (at connection_init). */
export interface RequestScope {
  requestId: string;
  viewer: Viewer;
  /** When the bearer token expires (ms since the epoch); absent for anonymous viewers. */
  tokenExpiresAt?: number;
}

/**
 * One operation's database access: fresh for each HTTP request, and for each event a
 * subscription resolves, so no answer comes from a cache older than the operation.
 */
export interface OperationScope {
  /** The operation's database door: statement cap, telemetry, cancellation, transactions. */
  db: RequestDb;
  /** What the viewer may see (it caches the viewer's reporting subtree for the operation). */
  access: Access;
  loaders: Loaders;
  /** How writes reach the database: the product's set-based statements unless a benchmark composes others. */
  writes: Writes;
}

/** The write paths a context offers. */
export interface Writes {
  purchase: typeof purchase;
}

/** What every resolver of one operation shares. */
export interface Context extends RequestScope, OperationScope {
  /** The operation's estimated cost in rows, once the limits plugin measured it. */
  cost?: number;
  /** Set while a subscription over a WebSocket is set up: registers it for events. */
  subscribe?: Subscribe;
}

export interface ContextOptions {
  /** Most concurrent statements one request may run. */
  maxStatementsPerRequest: number;
  jwtSecret: string;
  /** Longest lifetime a bearer token may have; a day unless configured. */
  tokenMaxLifetimeSeconds?: number;
  /** Builds the request's loaders; the product's batched set unless a benchmark composes another. */
  loaders?: (db: RequestDb) => Loaders;
  /** The write paths; the product's unless a benchmark composes others. */
  writes?: Writes;
}

export interface RequestInfo {
  requestId?: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** Aborted when the request's deadline passes or its client hangs up: its statements are cancelled. */
  signal?: AbortSignal;
}

/** The two scopes of a context, over the process's shared client and pool. */
export function scopes(database: DatabaseHandles, options: ContextOptions) {
  const writes: Writes = options.writes ?? { purchase };
  const verify: VerifyOptions = { maxLifetimeSeconds: options.tokenMaxLifetimeSeconds ?? 86_400, exists: (principal) => principalExists(database, principal) };
  return {
    /** Verifies the bearer token (once per token) and names the request. */
    async requestScope(request: RequestInfo = {}): Promise<RequestScope> {
      const { viewer, expiresAt } = await viewerOf(request.authorization, options.jwtSecret, verify);
      return { requestId: request.requestId ?? randomUUID(), viewer, tokenExpiresAt: expiresAt };
    },
    /** A fresh database door, access rules and loaders for one operation of `scope`'s viewer. */
    operationScope(scope: RequestScope, signal?: AbortSignal): OperationScope {
      const db = new RequestDb(database, options.maxStatementsPerRequest, signal);
      return { db, access: new Access(scope.viewer, db), loaders: (options.loaders ?? createLoaders)(db), writes };
    },
  };
}

/** The two scope builders of {@link scopes}. */
export type Scopes = ReturnType<typeof scopes>;

/**
 * One operation's context: `scope`'s fields and `operation`'s, written out rather than
 * spread. Spreading the two took 2% of a single-row request's CPU in a profile: copying
 * objects of varying shapes is V8's slow, generic path.
 */
export function contextOf(scope: RequestScope, operation: OperationScope): Context {
  const { db, access, loaders, writes } = operation;
  return { requestId: scope.requestId, viewer: scope.viewer, tokenExpiresAt: scope.tokenExpiresAt, db, access, loaders, writes };
}

/** Returns the per-request context factory: both scopes, for one HTTP request. */
export function contextFactory(database: DatabaseHandles, options: ContextOptions) {
  const { requestScope, operationScope } = scopes(database, options);
  return async function createContext(request: RequestInfo = {}): Promise<Context> {
    const scope = await requestScope(request);
    return contextOf(scope, operationScope(scope, request.signal));
  };
}

// Once per token (then remembered with it): a token for someone deleted, or never there, is refused.
// Not charged to the request: it is the token's cost, not the operation's.
async function principalExists({ prisma }: DatabaseHandles, principal: Principal): Promise<boolean> {
  const found = principal.role === 'customer' ? prisma.customer.count({ where: { id: principal.customerId } }) : prisma.employee.count({ where: { id: principal.employeeId } });
  return (await found) > 0;
}

async function viewerOf(authorization: string | undefined, secret: string, verify: VerifyOptions): Promise<{ viewer: Viewer; expiresAt?: number }> {
  if (!authorization) return { viewer: { role: 'anonymous' } };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  try {
    const { principal, expiresAt } = await verifyTokenUntil(match[1], secret, verify);
    return { viewer: principal, expiresAt };
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticated(err.message);
    throw beforeExecution(err);
  }
}
