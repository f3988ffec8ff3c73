import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode, RETRY_AFTER_SECONDS } from '../errors';

/** What the server takes on at once, in rows of estimated cost. */
export interface AdmissionLimits {
  /** Rows of estimated cost all operations running at once may add up to; 0 turns admission off. */
  capacity: number;
  /** Operations estimated at most this many rows are let in at once, whatever runs. */
  free: number;
  /** Longest an operation waits for its share before it is refused. */
  maxWaitMs: number;
  /** Most operations waiting at once; one more is refused at once. */
  maxQueue: number;
}

interface Waiter {
  cost: number;
  admit: () => void;
}

function serverBusy(why: string): GraphQLError {
  return new GraphQLError(`The server is busy (${why}); retry shortly`, {
    extensions: {
      code: ErrorCode.SERVER_BUSY,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      http: { status: 503, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) },
    },
  });
}

/**
 * Admission control: bounds the rows of estimated cost the process works on at once, so a
 * burst of heavy but allowed operations queues (then is refused with SERVER_BUSY) instead of
 * taking the one JavaScript thread from everyone, while cheap operations pass at once. A
 * deadline cannot stop work that runs on the CPU; only not starting it can.
 */
export class Admission {
  private used = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly limits: AdmissionLimits) {}

  /**
   * Waits for `cost` rows of capacity, in arrival order.
   * @returns the function that gives them back, to call once the operation is answered
   * @throws SERVER_BUSY when the queue is full or the wait runs past `maxWaitMs`
   */
  async admit(cost: number): Promise<() => void> {
    const { capacity, free, maxWaitMs, maxQueue } = this.limits;
    if (capacity <= 0 || cost <= free) return () => undefined;
    const share = Math.min(cost, capacity);
    if (this.queue.length === 0 && this.used + share <= capacity) return this.take(share);
    if (this.queue.length >= maxQueue) throw serverBusy(`${maxQueue} heavy operations already wait`);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { cost: share, admit: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(serverBusy(`no capacity within ${maxWaitMs} ms`));
      }, maxWaitMs);
      this.queue.push(waiter);
    });
    return this.take(share, true);
  }

  // Counts `share` as used (a waiter's is counted when it is woken) and returns its release.
  private take(share: number, counted = false): () => void {
    if (!counted) this.used += share;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= share;
      this.wake();
    };
  }

  private wake(): void {
    while (this.queue.length > 0 && this.used + this.queue[0].cost <= this.limits.capacity) {
      const next = this.queue.shift()!;
      this.used += next.cost;
      next.admit();
    }
  }
}
