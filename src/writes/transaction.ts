import type { RequestDb } from '../db/request-db';
import { classifyDatabaseError } from '../db/failures';
import { transactionConflict } from '../errors';

/** Attempts a write gets before a serialization failure or deadlock is reported. */
export const WRITE_ATTEMPTS = 3;

/**
 * Runs `attempt` (one transaction: a `RequestDb.transaction`, or a single statement, which
 * PostgreSQL runs as a transaction of its own) again after a serialization failure or a
 * deadlock, which roll the whole of it back, up to {@link WRITE_ATTEMPTS} times in all;
 * then reports `TRANSACTION_CONFLICT`. `attempt` must do nothing but database work.
 */
export async function withRetries<T>(attempt: () => Promise<T>, attempts = WRITE_ATTEMPTS): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (classifyDatabaseError(error) !== 'serialization') throw error;
      if (n >= attempts) throw transactionConflict(attempts);
      // A short, jittered pause lets the transaction we collided with finish first.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * n));
    }
  }
}

/**
 * Runs `work` as one transaction on one connection through the request's door
 * (`RequestDb.transaction`: it times out before `pool_timeout`, and the request's loaders
 * forget their rows after commit), retried as {@link withRetries} says.
 */
export function writeTransaction<T>(db: RequestDb, work: (tx: RequestDb) => Promise<T>, attempts = WRITE_ATTEMPTS): Promise<T> {
  return withRetries(() => db.transaction(work), attempts);
}
