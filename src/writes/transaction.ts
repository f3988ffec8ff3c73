import type { RequestDb } from '../db/request-db';
import { classifyDatabaseError } from '../db/failures';
import { transactionConflict } from '../errors';

/** Attempts a write transaction gets before a serialization failure or deadlock is reported. */
export const WRITE_ATTEMPTS = 3;

/**
 * Runs `work` as one transaction on one connection through the request's door
 * (`RequestDb.transaction`: it times out before `pool_timeout`, and the request's loaders
 * forget their rows after commit). A serialization failure or a deadlock rolls the whole
 * transaction back and runs it again, up to {@link WRITE_ATTEMPTS} times in all, then
 * reports `TRANSACTION_CONFLICT`. `work` must therefore do nothing but database work.
 */
export async function writeTransaction<T>(db: RequestDb, work: (tx: RequestDb) => Promise<T>, attempts = WRITE_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (classifyDatabaseError(error) !== 'serialization') throw error;
      if (attempt >= attempts) throw transactionConflict(attempts);
      // A short, jittered pause lets the transaction we collided with finish first.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
