import type { ExecutionResult } from 'graphql';

/**
 * One subscriber's undelivered results, as the async iterator graphql-ws reads. Bounded:
 * a subscriber whose client reads slower than events arrive overflows it, and `onOverflow`
 * (which closes the socket) runs once, instead of memory growing without end.
 *
 * Written by hand rather than as an async generator: a generator suspended in `await`
 * (waiting for the next event) cannot be returned from until that await settles, so a
 * client that leaves while nothing happens would hold its subscription until the next
 * event. Here `return()` ends it at once, and `onEnd` (which unregisters it) runs exactly
 * once, whoever ends it: the client's `complete`, its socket closing, or the server.
 */
export class EventQueue implements AsyncIterableIterator<ExecutionResult> {
  private readonly items: ExecutionResult[] = [];
  private waiter: ((result: IteratorResult<ExecutionResult>) => void) | undefined;
  private ended = false;

  constructor(
    private readonly capacity: number,
    private readonly onOverflow: () => void,
    private readonly onEnd: () => void,
    /** Called as each result is handed to the reader, i.e. sent. */
    private readonly onTake: (result: ExecutionResult) => void = () => undefined,
  ) {}

  get done(): boolean {
    return this.ended;
  }

  /** Adds a result for the reader; past capacity, ends the queue and reports the overflow. */
  push(result: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      this.onTake(result);
      wake({ value: result, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      this.end();
      this.onOverflow();
      return;
    }
    this.items.push(result);
  }

  /** Delivers `last` (if any) after what is queued, then ends: the subscription completes. */
  finish(last?: ExecutionResult): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    if (!last) return this.settle();
    if (!this.waiter) return void this.items.push(last);
    const wake = this.waiter;
    this.waiter = undefined;
    this.onTake(last);
    wake({ value: last, done: false });
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.items.shift();
    if (value) {
      this.onTake(value);
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.end();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // Drops what is queued, wakes a waiting reader with `done`, and unregisters, once.
  private end(): void {
    this.items.length = 0;
    if (!this.ended) {
      this.ended = true;
      this.onEnd();
    }
    this.settle();
  }

  private settle(): void {
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.({ value: undefined, done: true });
  }
}
