import { randomUUID } from 'node:crypto';
import type { PrismaClient } from './generated/prisma/client';
import { RequestDb } from './db/request-db';
import { createLoaders, type Loaders } from './loaders';

/** What every resolver of one operation shares. Built fresh for each request. */
export interface Context {
  requestId: string;
  /** The request's database access: statement cap and telemetry. */
  db: RequestDb;
  loaders: Loaders;
}

export interface ContextOptions {
  /** Most concurrent statements one request may run. */
  maxStatementsPerRequest: number;
}

/** Returns the per-request context factory over the process's shared client. */
export function contextFactory(prisma: PrismaClient, options: ContextOptions) {
  return function createContext(requestId: string = randomUUID()): Context {
    const db = new RequestDb(prisma, options.maxStatementsPerRequest);
    return { requestId, db, loaders: createLoaders(db) };
  };
}
