import type { PrismaClient } from '../generated/prisma/client';
import { newOperationStats, operationScope, type OperationStats } from './stats';

/**
 * One request's door to the database. Every statement of the request goes through
 * {@link RequestDb.run}, which charges it to the request's stats and caps how many of
 * the request's statements run at once, so one wide query cannot take the whole pool.
 */
export class RequestDb {
  readonly stats: OperationStats = newOperationStats();
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly prisma: PrismaClient,
    /** Most statements of this request in flight at once (and so connections held). */
    readonly maxConcurrent: number,
  ) {}

  /** Runs database work for this request once one of its slots is free. */
  async run<T>(work: (prisma: PrismaClient) => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.stats.roundTrips++;
    try {
      // Prisma's promises are lazy: the query starts at then(), which must happen
      // inside the scope for the pool to charge it to this request.
      return await operationScope.run(this.stats, async () => await work(this.prisma));
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
