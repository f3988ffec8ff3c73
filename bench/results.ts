import type { LoadResult } from './load';
import type { ServerKind } from './servers/protocol';
import type { Peaks } from './sampler';
import type { TimeShare } from './profile';
import type { FanoutResults } from './fanout';

/** One (server, scenario, concurrency) measurement. */
export interface Cell extends LoadResult {
  server: ServerKind;
  scenario: string;
  concurrency: number;
  /** Statements the server sent per answered request during the cell. */
  statementsPerRequest: number;
  /**
   * CPU milliseconds per request by process accounting (/proc), from the cell's start until
   * its last request finished: the server's process with its children, and PostgreSQL
   * (the postmaster with every backend). NaN where /proc could not be read.
   */
  apiCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  peakConnections: number;
  peakRssMiB: number;
  /** Each window's req/s where the cell is the median of several passes (c=64 in a full run). */
  rpsByPass?: number[];
}

/** What one window of load on one server measured. */
export interface Measured {
  load: LoadResult;
  peaks: Peaks;
  statementsPerRequest: number;
  /** CPU milliseconds per request answered, of the server's process (and its children) and of PostgreSQL. */
  apiCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
}

const median = (values: number[]) => {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * One server's cell from its windows: each rate, latency and CPU figure the median of the
 * windows' own (each measured over one window), errors and requests their sums, peaks the
 * highest; the windows' req/s are kept beside it.
 */
export function cellOf(server: ServerKind, scenario: string, concurrency: number, windows: Measured[]): Cell {
  const of = (figure: (m: Measured) => number) => median(windows.map(figure));
  const sum = (figure: (m: Measured) => number) => windows.reduce((n, m) => n + figure(m), 0);
  return {
    server,
    scenario,
    concurrency,
    rps: of((m) => m.load.rps),
    p50: of((m) => m.load.p50),
    p95: of((m) => m.load.p95),
    p99: of((m) => m.load.p99),
    errors: sum((m) => m.load.errors),
    requests: sum((m) => m.load.requests),
    seconds: sum((m) => m.load.seconds),
    statementsPerRequest: of((m) => m.statementsPerRequest),
    apiCpuMsPerRequest: of((m) => m.apiCpuMsPerRequest),
    postgresCpuMsPerRequest: of((m) => m.postgresCpuMsPerRequest),
    peakConnections: Math.max(...windows.map((m) => m.peaks.connections)),
    peakRssMiB: Math.max(...windows.map((m) => m.peaks.rss)) / 2 ** 20,
    ...(windows.length > 1 ? { rpsByPass: windows.map((m) => m.load.rps) } : {}),
  };
}

/** A server left out of a scenario, and why. */
export interface Skipped {
  server: ServerKind;
  scenario: string;
  reason: string;
}

/** Each scenario's requests sent once, one at a time, before any load. */
export interface Probe {
  server: ServerKind;
  scenario: string;
  statementsPerRequest: number;
  /** The answers equal the product's (null for the product itself). */
  matchesPooled: boolean | null;
}

export interface SweepCell {
  connectionLimit: number;
  scenario: string;
  concurrency: number;
  rps: number;
  p99: number;
  errors: number;
  peakConnections: number;
}

export interface Target {
  claim: string;
  measured: string;
  pass: boolean;
}

export interface BenchResults {
  date: string;
  mode: 'full' | 'quick';
  machine: { cpu: string; cores: number; memoryGiB: number; os: string; node: string; postgres: string; postgraphile?: string };
  settings: { scale: number; seconds: number; warmupSeconds: number; /** Passes at c=64 (absent in results written before there were several). */ passes?: number; connectionLimit: number; concurrency: number[]; sizes: Record<string, number> };
  scenarios: Array<{ name: string; title: string; nested: boolean }>;
  probes: Probe[];
  /** Servers not measured on a scenario (absent in results written before it was recorded). */
  skipped?: Skipped[];
  cells: Cell[];
  sweep: SweepCell[];
  profiles: Array<{ scenario: string; seconds: number; shares: TimeShare[] }>;
  /** Subscribers vs polling of one playlist (bench/fanout.ts); absent when not run. */
  fanout?: FanoutResults;
  targets: Target[];
  minutes: number;
}

/** Concurrency at which the ratios are set. */
export const TARGET_CONCURRENCY = 64;
/** The product's pool size while the servers are compared. */
export const COMPARED_CONNECTION_LIMIT = 10;

const ratio = (a: number, b: number) => (b > 0 ? a / b : Infinity);
const fmt = (x: number) => (Number.isFinite(x) ? `${x.toFixed(x < 2 ? 2 : 1)}×` : '∞');

/** Checks the product's claims against the measurements; a claim with no data is left out. */
export function evaluateTargets(results: Pick<BenchResults, 'cells' | 'scenarios' | 'sweep'>): Target[] {
  const at = (server: ServerKind, scenario: string, concurrency = TARGET_CONCURRENCY) =>
    results.cells.find((c) => c.server === server && c.scenario === scenario && c.concurrency === concurrency);
  const targets: Target[] = [];
  for (const s of results.scenarios) {
    const pooled = at('pooled', s.name);
    if (!pooled) continue;
    const naive = at('naive', s.name);
    const perRequest = at('per-request', s.name);
    const raw = at('raw-sql', s.name);
    const unguarded = at('unguarded', s.name);
    if (unguarded) {
      // Timings are noisy; within 10% is "nothing measurable" on this host.
      const r = ratio(pooled.rps, unguarded.rps);
      targets.push({ claim: `${s.name}: limits and timeouts cost nothing measurable (pooled ≥ 0.9× with them off) at c=${TARGET_CONCURRENCY}`, measured: fmt(r), pass: r >= 0.9 });
    }
    if (s.nested && naive) {
      const r = ratio(pooled.rps, naive.rps);
      targets.push({ claim: `${s.name}: pooled ≥ 10× naive at c=${TARGET_CONCURRENCY}`, measured: fmt(r), pass: r >= 10 });
    }
    if (perRequest) {
      const r = ratio(pooled.rps, perRequest.rps);
      targets.push({ claim: `${s.name}: pooled ≥ 3× per-request client at c=${TARGET_CONCURRENCY}`, measured: fmt(r), pass: r >= 3 });
    }
    if (s.nested && raw) {
      const r = ratio(pooled.rps, raw.rps);
      targets.push({ claim: `${s.name}: pooled ≥ 50% of the raw SQL bound at c=${TARGET_CONCURRENCY}`, measured: `${(r * 100).toFixed(0)}%`, pass: r >= 0.5 });
    }
    const peer = at('postgraphile', s.name);
    if (peer) {
      const r = ratio(pooled.rps, peer.rps);
      targets.push({ claim: `${s.name}: pooled ≥ 1.5× PostGraphile at c=${TARGET_CONCURRENCY}`, measured: fmt(r), pass: r >= 1.5 });
      targets.push({
        claim: `${s.name}: pooled p99 ≤ PostGraphile's at c=${TARGET_CONCURRENCY}`,
        measured: `${pooled.p99.toFixed(0)} / ${peer.p99.toFixed(0)} ms`,
        pass: pooled.p99 <= peer.p99,
      });
      if (Number.isFinite(pooled.postgresCpuMsPerRequest) && Number.isFinite(peer.postgresCpuMsPerRequest)) {
        targets.push({
          claim: `${s.name}: pooled PostgreSQL CPU per request ≤ PostGraphile's at c=${TARGET_CONCURRENCY}`,
          measured: `${pooled.postgresCpuMsPerRequest.toFixed(2)} / ${peer.postgresCpuMsPerRequest.toFixed(2)} ms`,
          pass: pooled.postgresCpuMsPerRequest <= peer.postgresCpuMsPerRequest,
        });
      }
    }
  }
  const at256 = results.cells.filter((c) => c.server === 'pooled' && c.concurrency === 256);
  if (at256.length > 0) {
    const errors = at256.reduce((n, c) => n + c.errors, 0);
    targets.push({ claim: `pooled: zero errors at c=256 with connection_limit=${COMPARED_CONNECTION_LIMIT}`, measured: `${errors} errors`, pass: errors === 0 });
  }
  const pooledCells = results.cells.filter((c) => c.server === 'pooled');
  if (pooledCells.length > 0) {
    const peak = Math.max(...pooledCells.map((c) => c.peakConnections));
    targets.push({ claim: `pooled: peak server connections ≤ connection_limit (${COMPARED_CONNECTION_LIMIT})`, measured: String(peak), pass: peak <= COMPARED_CONNECTION_LIMIT });
  }
  if (results.sweep.length > 0) {
    const over = results.sweep.filter((c) => c.peakConnections > c.connectionLimit);
    targets.push({
      claim: 'sweep: peak server connections ≤ connection_limit at every size',
      measured: over.length === 0 ? 'all within' : over.map((c) => `${c.peakConnections} > ${c.connectionLimit}`).join(', '),
      pass: over.length === 0,
    });
  }
  return targets;
}

/** What CI holds the product to: statement counts and errors, never timings. */
export interface Baseline {
  /** Statements per request of the product, per scenario, measured one request at a time. */
  statementsPerRequest: Record<string, number>;
}

/** Regressions of this run against the committed baseline; empty when none. */
export function regressions(results: BenchResults, baseline: Baseline): string[] {
  const found: string[] = [];
  for (const probe of results.probes) {
    if (probe.server === 'pooled') {
      const allowed = baseline.statementsPerRequest[probe.scenario];
      if (allowed === undefined) found.push(`${probe.scenario}: no statement baseline (run with --update-baseline)`);
      else if (probe.statementsPerRequest > allowed + 1e-9) {
        found.push(`${probe.scenario}: the product sent ${probe.statementsPerRequest.toFixed(2)} statements per request; the baseline is ${allowed}`);
      }
    }
    if (probe.matchesPooled === false) found.push(`${probe.scenario}: the ${probe.server} server's answers differ from the product's`);
  }
  for (const cell of results.cells) {
    if (cell.server === 'pooled' && cell.errors > 0) found.push(`${cell.scenario} at c=${cell.concurrency}: the product failed ${cell.errors} requests`);
  }
  for (const cell of results.sweep) {
    if (cell.errors > 0) found.push(`sweep ${cell.scenario} at connection_limit=${cell.connectionLimit}: ${cell.errors} errors`);
  }
  return found;
}
