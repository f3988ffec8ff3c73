import { randomUUID } from 'node:crypto';
import { RequestDb, type DatabaseHandles } from './db/request-db';
import { createLoaders, type Loaders } from './loaders';
import type { LoaderMode } from './loaders/factories';
import { Access, type Viewer } from './auth/access';
import { beforeExecution, unauthenticated } from './errors';
import { InvalidTokenError, verifyToken, type Principal, type VerifyOptions } from './auth/token';

/** What every resolver of one operation shares. Built fresh for each request. */
export interface Context {
  requestId: string;
  viewer: Viewer;
  /** What the viewer may see. */
  access: Access;
  /** The request's database access: statement cap and telemetry. */
  db: RequestDb;
  loaders: Loaders;
  /** `per-parent` (benchmarks' naive baseline): writes, too, go row by row. */
  loaderMode: LoaderMode;
  /** The operation's estimated cost in rows, once the limits plugin measured it. */
  cost?: number;
}

export interface ContextOptions {
  /** Most concurrent statements one request may run. */
  maxStatementsPerRequest: number;
  jwtSecret: string;
  /** Longest lifetime a bearer token may have; a day unless configured. */
  tokenMaxLifetimeSeconds?: number;
  /** `per-parent` turns batching off: only benchmarks and tests use it, as the N+1 baseline. */
  loaderMode?: LoaderMode;
}

export interface RequestInfo {
  requestId?: string;
  /** The Authorization header, if any. */
  authorization?: string;
  /** Aborted when the request's deadline passes or its client hangs up: its statements are cancelled. */
  signal?: AbortSignal;
}

/** Returns the per-request context factory over the process's shared client and pool. */
export function contextFactory(database: DatabaseHandles, options: ContextOptions) {
  const verify: VerifyOptions = { maxLifetimeSeconds: options.tokenMaxLifetimeSeconds ?? 86_400, exists: (principal) => principalExists(database, principal) };
  return async function createContext(request: RequestInfo = {}): Promise<Context> {
    const viewer = await viewerOf(request.authorization, options.jwtSecret, verify);
    const db = new RequestDb(database, options.maxStatementsPerRequest, request.signal);
    return { requestId: request.requestId ?? randomUUID(), viewer, access: new Access(viewer, db), db, loaders: createLoaders(db, options.loaderMode), loaderMode: options.loaderMode ?? 'batched' };
  };
}

// Once per token (then remembered with it): a token for someone deleted, or never there, is refused.
// Not charged to the request: it is the token's cost, not the operation's.
async function principalExists({ prisma }: DatabaseHandles, principal: Principal): Promise<boolean> {
  const found = principal.role === 'customer' ? prisma.customer.count({ where: { id: principal.customerId } }) : prisma.employee.count({ where: { id: principal.employeeId } });
  return (await found) > 0;
}

async function viewerOf(authorization: string | undefined, secret: string, verify: VerifyOptions): Promise<Viewer> {
  if (!authorization) return { role: 'anonymous' };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  try {
    return await verifyToken(match[1], secret, verify);
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticated(err.message);
    throw beforeExecution(err);
  }
}
