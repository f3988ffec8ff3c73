/**
 * Process lifecycle: one bounded shutdown, whatever starts it (SIGTERM from a container
 * runtime or from npm, Ctrl-C, a crash, or the npm process that started us dying).
 */
import type { Logger } from './logger';

/** Seconds the forced phase (cutting connections still busy) may take. */
const FORCE_SECONDS = 5;
/** Seconds past grace and force after which the process exits whatever still runs. */
const LAST_RESORT_SECONDS = 30;

/** What a shutdown does, in order. Each step may be called before startup finished. */
export interface ShutdownSteps {
  /** Stop accepting work, let in-flight requests finish, close the pool. */
  drain(): Promise<void>;
  /** After the grace period: cut what `drain` still waits for (statements stuck in the database). */
  force(): Promise<void>;
  /** Always, last: release the database (the embedded server stops when this process is its last user). */
  release(): Promise<void>;
}

export interface ShutdownOptions {
  logger: Logger;
  /** How long `drain` may take (SHUTDOWN_GRACE_SECONDS). */
  graceSeconds: number;
  /** Ends the process; a parameter so that tests can watch it. */
  exit?: (code: number) => void;
}

/** Starts a shutdown; calling it again returns the shutdown already under way. */
export interface Shutdown {
  (reason: string, exitCode: number): Promise<void>;
  /** Whether a shutdown is under way (work failing now may be its doing). */
  readonly started: boolean;
}

/** Whether `work` settles within `ms` (true), or the time runs out first (false). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A shutdown that finishes within `graceSeconds` plus a few seconds: `drain` gets the grace
 * period, then `force` cuts what is left, then `release` runs and the process exits with the
 * code asked for (1 if a step failed). A last-resort timer exits even if a step hangs.
 */
export function createShutdown(steps: ShutdownSteps, options: ShutdownOptions): Shutdown {
  const { logger, graceSeconds } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: Promise<void> | undefined;

  const run = async (reason: string, exitCode: number): Promise<void> => {
    logger.info(`${reason}: shutting down (grace period ${graceSeconds} s)`);
    const lastResort = setTimeout(() => {
      logger.fatal(`Shutdown still running after ${graceSeconds + FORCE_SECONDS + LAST_RESORT_SECONDS} s: exiting`);
      exit(1);
    }, (graceSeconds + FORCE_SECONDS + LAST_RESORT_SECONDS) * 1000);
    lastResort.unref();
    let code = exitCode;
    try {
      if (!(await settlesWithin(steps.drain(), graceSeconds * 1000))) {
        logger.warn(`Still draining after the ${graceSeconds} s grace period: cutting the database connections still busy`);
        if (!(await settlesWithin(steps.force(), FORCE_SECONDS * 1000))) logger.error('Cutting connections did not finish in time');
      }
    } catch (err) {
      logger.error({ err }, 'Draining failed');
      code ||= 1;
    }
    try {
      await steps.release();
    } catch (err) {
      logger.error({ err }, 'Releasing the database failed');
      code ||= 1;
    }
    logger.info('Stopped');
    clearTimeout(lastResort);
    exit(code);
  };

  const shutdown = (reason: string, exitCode: number) => {
    if (running) logger.info(`${reason}: already shutting down`);
    return (running ??= run(reason, exitCode));
  };
  return Object.defineProperty(shutdown, 'started', { get: () => running !== undefined }) as Shutdown;
}

/** Shuts down on SIGINT and SIGTERM, and with exit code 1 on an uncaught error. */
export function shutDownOnSignals(shutdown: Shutdown, logger: Logger): void {
  // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal, and forwarded
  // by npm), and a second signal without a listener would kill it mid-shutdown.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal, 0));
  // A crash must not leave the embedded PostgreSQL running.
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'Uncaught exception');
    void shutdown('crash', 1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'Unhandled rejection');
    void shutdown('crash', 1);
  });
}

/**
 * Calls `onOrphaned` once when the parent process exits (this process is re-parented),
 * checking every `intervalMs`. The timer does not keep the process alive.
 */
export function watchParent(onOrphaned: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
