import type { InstrumentedPool } from '../db/instrumented-pool';

/** Why the server should get no traffic now. */
export type NotReadyReason = 'draining' | 'pool saturated' | 'database unreachable';

/** The answer of a readiness check. */
export type ReadyState = { ready: true } | { ready: false; reason: NotReadyReason };

export interface ReadinessOptions {
  /** Longest wait for the database probe before calling it unreachable; default 1000 ms. */
  probeTimeoutMs?: number;
  /** How long a probe's answer is reused, so frequent checks do not load the database; default 1000 ms. */
  cacheMs?: number;
}

/** True when every connection is open and busy and checkouts already queue. */
export function isSaturated(usage: InstrumentedPool['usage']): boolean {
  return usage.waiting > 0 && usage.idle === 0 && usage.size >= usage.max;
}

/** Resolves `promise`, or `undefined` if it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Decides whether this server should receive traffic: not while it drains for shutdown,
 * not while its pool is saturated, not while the database does not answer `SELECT 1`.
 * At most one probe runs at a time and its answer is reused for `cacheMs`; a check never
 * waits longer than `probeTimeoutMs`, even when the database hangs.
 */
export class Readiness {
  private draining = false;
  private probe: Promise<boolean> | undefined;
  private last: { reachable: boolean; at: number } | undefined;
  private readonly probeTimeoutMs: number;
  private readonly cacheMs: number;

  constructor(
    private readonly pool: InstrumentedPool,
    options: ReadinessOptions = {},
  ) {
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1000;
    this.cacheMs = options.cacheMs ?? 1000;
  }

  /** From now on every check answers `draining`. */
  startDraining(): void {
    this.draining = true;
  }

  /** Checks, cheapest first; the saturation check comes before a probe that would queue behind it. */
  async check(): Promise<ReadyState> {
    if (this.draining) return { ready: false, reason: 'draining' };
    if (isSaturated(this.pool.usage)) return { ready: false, reason: 'pool saturated' };
    const reachable = await this.databaseReachable();
    // Shutdown may have begun while the probe ran.
    if (this.draining) return { ready: false, reason: 'draining' };
    if (reachable) return { ready: true };
    // A probe that timed out queued behind a full pool: that is saturation, not an outage.
    return { ready: false, reason: isSaturated(this.pool.usage) ? 'pool saturated' : 'database unreachable' };
  }

  private async databaseReachable(): Promise<boolean> {
    if (this.last && performance.now() - this.last.at < this.cacheMs) return this.last.reachable;
    this.probe ??= this.pool
      .query('SELECT 1')
      .then(
        () => true,
        () => false,
      )
      .then((reachable) => this.remember(reachable))
      .finally(() => (this.probe = undefined));
    // A probe still waiting for a connection or an answer stays the only one in flight;
    // meanwhile checks answer "unreachable" from the cache.
    return (await within(this.probe, this.probeTimeoutMs)) ?? this.remember(false);
  }

  private remember(reachable: boolean): boolean {
    this.last = { reachable, at: performance.now() };
    return reachable;
  }
}
