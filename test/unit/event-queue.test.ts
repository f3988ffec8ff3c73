import { EventQueue } from '../../src/subscriptions/event-queue';

const result = (n: number) => ({ data: { n } });

test('delivers in order, and a waiting reader is woken by the next push', async () => {
  const queue = new EventQueue(10, () => undefined, () => undefined);
  queue.push(result(1));
  expect(await queue.next()).toEqual({ value: result(1), done: false });
  const pending = queue.next();
  queue.push(result(2));
  expect(await pending).toEqual({ value: result(2), done: false });
});

test('return() ends a reader waiting for an event at once, and unregisters once', async () => {
  let ended = 0;
  const queue = new EventQueue(10, () => undefined, () => ended++);
  const pending = queue.next();
  await queue.return();
  expect(await pending).toEqual({ value: undefined, done: true });
  await queue.return();
  queue.finish();
  expect(ended).toBe(1);
  queue.push(result(1));
  expect(await queue.next()).toEqual({ value: undefined, done: true });
});

test('past its capacity it drops what it holds, ends, and reports the overflow once', async () => {
  let overflows = 0;
  let ended = 0;
  const queue = new EventQueue(2, () => overflows++, () => ended++);
  for (let n = 0; n < 5; n++) queue.push(result(n));
  expect([overflows, ended]).toEqual([1, 1]);
  expect(await queue.next()).toEqual({ value: undefined, done: true });
});

test('finish(last) delivers what is queued, then last, then ends', async () => {
  const queue = new EventQueue(10, () => undefined, () => undefined);
  queue.push(result(1));
  queue.finish(result(2));
  expect((await queue.next()).value).toEqual(result(1));
  expect((await queue.next()).value).toEqual(result(2));
  expect((await queue.next()).done).toBe(true);
  const waiting = new EventQueue(10, () => undefined, () => undefined);
  const pending = waiting.next();
  waiting.finish(result(3));
  expect((await pending).value).toEqual(result(3));
  expect((await waiting.next()).done).toBe(true);
});
