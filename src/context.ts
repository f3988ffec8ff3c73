import { randomUUID } from 'node:crypto';
import { RequestDb, type DatabaseHandles } from './db/request-db';
import { createLoaders, type Loaders } from './loaders';
import type { LoaderMode } from './loaders/factories';
import { Access, type Viewer } from './auth/access';
import { unauthenticated } from './errors';
import { InvalidTokenError, verifyToken } from './auth/token';

/** What every resolver of one operation shares. Built fresh for each request. */
export interface Context {
  requestId: string;
  viewer: Viewer;
  /** What the viewer may see. */
  access: Access;
  /** The request's database access: statement cap and telemetry. */
  db: RequestDb;
  loaders: Loaders;
  /** The operation's estimated cost in rows, once the limits plugin measured it. */
  cost?: number;
}

export interface ContextOptions {
  /** Most concurrent statements one request may run. */
  maxStatementsPerRequest: number;
  jwtSecret: string;
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
  return async function createContext(request: RequestInfo = {}): Promise<Context> {
    const viewer = await viewerOf(request.authorization, options.jwtSecret);
    const db = new RequestDb(database, options.maxStatementsPerRequest, request.signal);
    return { requestId: request.requestId ?? randomUUID(), viewer, access: new Access(viewer, db), db, loaders: createLoaders(db, options.loaderMode) };
  };
}

async function viewerOf(authorization: string | undefined, secret: string): Promise<Viewer> {
  if (!authorization) return { role: 'anonymous' };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  try {
    return await verifyToken(match[1], secret);
  } catch (err) {
    if (err instanceof InvalidTokenError) throw unauthenticated(err.message);
    throw err;
  }
}
