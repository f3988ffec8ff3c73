import pino from 'pino';
import { createShutdown, type ShutdownSteps } from '../../src/lifecycle';

const logger = pino({ level: 'silent' });
const never = () => new Promise<void>(() => undefined);

// Runs a shutdown with these steps and resolves with what happened, in order.
async function shutDown(steps: Partial<ShutdownSteps>, graceSeconds = 0.05, exitCode = 0): Promise<string[]> {
  const events: string[] = [];
  const step = (name: keyof ShutdownSteps) => async () => {
    events.push(name);
    await steps[name]?.();
  };
  const shutdown = createShutdown({ drain: step('drain'), force: step('force'), release: step('release') }, { logger, graceSeconds, exit: (code) => events.push(`exit ${code}`) });
  expect(shutdown.started).toBe(false);
  const first = shutdown('test', exitCode);
  expect(shutdown('again', 1)).toBe(first);
  expect(shutdown.started).toBe(true);
  await first;
  return events;
}

describe('createShutdown', () => {
  it('drains, releases and exits with the code asked for', async () => {
    expect(await shutDown({})).toEqual(['drain', 'release', 'exit 0']);
    expect(await shutDown({}, 0.05, 1)).toEqual(['drain', 'release', 'exit 1']);
  });

  it('forces after the grace period when draining hangs, then releases and exits 0', async () => {
    const started = Date.now();
    expect(await shutDown({ drain: never }, 0.2)).toEqual(['drain', 'force', 'release', 'exit 0']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('releases even when draining fails, and exits 1', async () => {
    expect(await shutDown({ drain: () => Promise.reject(new Error('pool')) })).toEqual(['drain', 'release', 'exit 1']);
  });

  it('exits 1 when releasing the database fails', async () => {
    expect(await shutDown({ release: () => Promise.reject(new Error('pg_ctl')) })).toEqual(['drain', 'release', 'exit 1']);
  });
});
