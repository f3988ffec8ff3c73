/*
 * The fan-out scenario (issue 17): N clients (1, 100, 1,000) watch one playlist while an
 * employee renames it at a steady rate. Either each client holds a graphql-ws subscription
 * to `playlistChanged`, or, the pattern users write first, each polls the same query over
 * HTTP once a second. Side by side: how soon a change reaches the clients, and what the
 * watching costs the database.
 *
 * Two product servers run, as `npm run bench` starts them: the clients' ("reader"), whose
 * statements and CPU are measured, and the editor's ("writer"). Events cross from one to the
 * other through PostgreSQL's NOTIFY, as between any two processes of a deployment, and the
 * edits' own statements stay out of both patterns' figures.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { signToken } from '../src/auth/token';
import { parsePrometheus, sampleValue, type Sample } from '../test/helpers/metrics';
import { prepareBenchDatabase } from './database';
import { Editor, poll, Subscribers, type PollRecord } from './fanout-clients';
import { fanoutMarkdown } from './fanout-report';
import { startServerProcess, type ServerProcess } from './servers/process';

export interface FanoutPlan {
  /** How many clients watch, one measurement each. */
  watchers: number[];
  /** Renames per second while measuring. */
  eventsPerSecond: number;
  /** Seconds of renames per measurement. */
  seconds: number;
  /** Each poller's interval. */
  pollIntervalMs: number;
}

export function fanoutPlan(quick: boolean): FanoutPlan {
  return quick ? { watchers: [1, 100], eventsPerSecond: 5, seconds: 4, pollIntervalMs: 1000 } : { watchers: [1, 100, 1000], eventsPerSecond: 5, seconds: 10, pollIntervalMs: 1000 };
}

/** Percentiles in ms. */
export interface Spread {
  p50: number;
  p99: number;
  max: number;
}

export interface SubscriptionCell {
  events: number;
  /** Renames per second achieved (each waits for the previous one's answer). */
  eventsPerSecond: number;
  /** Results expected (watchers × events) and received. */
  expected: number;
  delivered: number;
  /** Results carrying errors, subscriptions that errored, sockets closed by the server. */
  errors: number;
  closedEarly: number;
  /** Results that showed a state older than their event: must be 0. */
  stale: number;
  /** From the rename being sent to the result arriving at the client. */
  delivery: Spread;
  /** The server's own `event_delivery_seconds` (commit → handed to the socket), estimated from its buckets. */
  serverDelivery: { p50: number; p99: number; mean: number };
  /** `event_statements`: statements one event cost for all its subscribers. */
  statementsPerEvent: number;
  /** Statements the reader sent per second of renames. */
  statementsPerSecond: number;
  /** Reader process CPU, % of one core. */
  cpuPercent: number;
  /** Seconds it took to open the sockets and subscribe (not measured above). */
  connectSeconds: number;
}

export interface PollingCell {
  /** Requests per second the pollers meant to send (watchers ÷ interval), and answered. */
  offeredRps: number;
  rps: number;
  response: Spread;
  errors: number;
  /** Failed polls by error code. */
  errorCodes: Record<string, number>;
  /** From a rename being sent to a poller's first answer that shows it (or a later state). */
  seen: Spread;
  /** Changes some poller never saw before it stopped (a poll after the last rename is waited for). */
  unseen: number;
  statementsPerRequest: number;
  statementsPerSecond: number;
  cpuPercent: number;
  eventsPerSecond: number;
}

export interface FanoutRow {
  watchers: number;
  subscription: SubscriptionCell;
  polling: PollingCell;
}

export interface FanoutResults {
  plan: FanoutPlan;
  rows: FanoutRow[];
  /** Lost or stale results, errors, leaks, statements growing with watchers: each fails the run. */
  problems: string[];
}

export interface FanoutOptions {
  plan: FanoutPlan;
  jwtSecret: string;
  sizes: { customers: number; tracks: number };
  /** Starts a product server on the bench database (the bench's own `start`, so it is stopped on SIGINT). */
  start(): Promise<ServerProcess>;
  stop(server: ServerProcess): Promise<void>;
  log(line: string): void;
}

/** The product's default MAX_SOCKETS_PER_TOKEN: the bench stays within it. */
const SOCKETS_PER_TOKEN = 10;
/** After the last rename, how long subscribers may take to receive it before results count as lost. */
const DELIVERY_WAIT_MS = 15_000;
/** How long the server may take to free a closed socket's registrations. */
const RELEASE_WAIT_MS = 10_000;

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

/** What the reader had counted at one moment: its IPC stats and its /metrics. */
interface Snapshot {
  at: number;
  statements: number;
  samples: Sample[];
}

async function snapshot(server: ServerProcess): Promise<Snapshot> {
  const [stats, res] = await Promise.all([server.stats(), fetch(new URL('/metrics', server.url))]);
  return { at: performance.now(), statements: stats.statements, samples: parsePrometheus(await res.text()) };
}

const value = (s: Snapshot, name: string, labels?: Record<string, string>) => sampleValue(s.samples, name, labels) ?? 0;
const delta = (a: Snapshot, b: Snapshot, name: string, labels?: Record<string, string>) => value(b, name, labels) - value(a, name, labels);
const cpuPercent = (a: Snapshot, b: Snapshot) => (100 * delta(a, b, 'process_cpu_seconds_total')) / ((b.at - a.at) / 1000);

/**
 * A quantile of a Prometheus histogram's observations between two snapshots, in ms,
 * interpolated within its bucket as PromQL's histogram_quantile does.
 */
function histogramQuantile(a: Snapshot, b: Snapshot, name: string, q: number): number {
  const buckets = b.samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({ le: Number(s.labels.le === '+Inf' ? Infinity : s.labels.le), count: s.value - value(a, `${name}_bucket`, { le: s.labels.le }) }))
    .sort((x, y) => x.le - y.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  let lower = 0;
  let below = 0;
  for (const { le, count } of buckets) {
    if (count >= q * total) {
      if (le === Infinity) return lower * 1000; // beyond the last bound: the bound, as PromQL
      return (lower + ((q * total - below) / Math.max(1, count - below)) * (le - lower)) * 1000;
    }
    lower = le;
    below = count;
  }
  return NaN;
}

/** Waits until the reader's `ws_sockets_open` and `subscriptions_active` read `sockets` and `subscriptions`. */
async function gaugesReach(server: ServerProcess, sockets: number, subscriptions: number, timeoutMs: number): Promise<{ sockets: number; subscriptions: number; reached: boolean }> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await snapshot(server);
    const now = { sockets: value(s, 'ws_sockets_open'), subscriptions: value(s, 'subscriptions_active') };
    if (now.sockets === sockets && now.subscriptions === subscriptions) return { ...now, reached: true };
    if (performance.now() > deadline) return { ...now, reached: false };
    await sleep(50);
  }
}

/** One token per watcher, distinct customers first; past the customers, a few sockets share one (as tabs of one user). */
async function watcherTokens(count: number, customers: number, secret: string): Promise<string[]> {
  if (count > customers * SOCKETS_PER_TOKEN) throw new Error(`${count} watchers need more than ${customers} customers × ${SOCKETS_PER_TOKEN} sockets per token`);
  const tokens = await Promise.all(Array.from({ length: Math.min(count, customers) }, (_, i) => signToken({ role: 'customer', customerId: i + 1 }, secret)));
  return Array.from({ length: count }, (_, i) => tokens[i % tokens.length]);
}

/** N subscribers, `plan.seconds` of renames; checks afterwards that closing them freed everything. */
async function measureSubscription(reader: ServerProcess, editor: Editor, tokens: string[], plan: FanoutPlan, problems: string[]): Promise<SubscriptionCell> {
  const n = tokens.length;
  const opening = performance.now();
  const subscribers = await Subscribers.open(reader.url, tokens, editor.playlistId);
  const registered = await gaugesReach(reader, n, n, RELEASE_WAIT_MS);
  if (!registered.reached) problems.push(`N=${n}: only ${registered.subscriptions} of ${n} subscriptions registered`);
  const connectSeconds = (performance.now() - opening) / 1000;
  // A notification of an earlier edit may still be on its way: let it land, then forget it.
  await sleep(300);
  subscribers.forget();

  const events = Math.round(plan.eventsPerSecond * plan.seconds);
  const before = await snapshot(reader);
  const writes = await editor.renames(events, 1000 / plan.eventsPerSecond);
  await subscribers.waitForEach(events, DELIVERY_WAIT_MS);
  const after = await snapshot(reader);

  const latencies: number[] = [];
  let stale = 0;
  let errors = 0;
  let closedEarly = 0;
  for (const s of subscribers.all) {
    // Events of a topic reach each subscriber in commit order, and renames commit in
    // sequence order, so a subscriber's m-th result is the m-th rename's.
    s.arrivals.forEach((at, m) => {
      latencies.push(at - editor.sentAt[writes.first + m]);
      if (s.sequences[m] < writes.first + m) stale++;
    });
    errors += s.errors.length;
    if (s.closedEarly !== undefined) closedEarly++;
  }
  await subscribers.close();
  const released = await gaugesReach(reader, 0, 0, RELEASE_WAIT_MS);
  if (!released.reached) problems.push(`N=${n}: after closing every socket the server still shows ws_sockets_open=${released.sockets}, subscriptions_active=${released.subscriptions}`);

  const resolved = delta(before, after, 'event_statements_count');
  const cell: SubscriptionCell = {
    events,
    eventsPerSecond: events / writes.seconds,
    expected: n * events,
    delivered: latencies.length,
    errors,
    closedEarly,
    stale,
    delivery: spread(latencies),
    serverDelivery: {
      p50: histogramQuantile(before, after, 'event_delivery_seconds', 0.5),
      p99: histogramQuantile(before, after, 'event_delivery_seconds', 0.99),
      mean: (1000 * delta(before, after, 'event_delivery_seconds_sum')) / delta(before, after, 'event_delivery_seconds_count'),
    },
    statementsPerEvent: resolved > 0 ? delta(before, after, 'event_statements_sum') / resolved : NaN,
    statementsPerSecond: (after.statements - before.statements) / writes.seconds,
    cpuPercent: cpuPercent(before, after),
    connectSeconds,
  };
  if (cell.delivered !== cell.expected) problems.push(`N=${n}: ${cell.delivered} of ${cell.expected} results delivered`);
  if (resolved !== events) problems.push(`N=${n}: the server resolved ${resolved} events for ${events} renames`);
  if (errors > 0 || closedEarly > 0) problems.push(`N=${n}: ${errors} errors, ${closedEarly} sockets closed by the server`);
  if (stale > 0) problems.push(`N=${n}: ${stale} results showed a state older than their event`);
  return cell;
}

/** For each poller: how long after each rename its first answer showing it (or later) arrived. */
function visibility(record: PollRecord, sentAt: number[], first: number, last: number): { delays: number[]; unseen: number } {
  const delays: number[] = [];
  let unseen = 0;
  for (const answers of record.answers) {
    let seen = first - 1;
    for (const { at, sequence } of answers) {
      for (let k = seen + 1; k <= Math.min(sequence, last); k++) delays.push(at - sentAt[k]);
      seen = Math.max(seen, sequence);
    }
    unseen += Math.max(0, last - seen);
  }
  return { delays, unseen };
}

/** N pollers over the same renames; they go on for two intervals after the last, so each can see it. */
async function measurePolling(reader: ServerProcess, editor: Editor, tokens: string[], plan: FanoutPlan): Promise<PollingCell> {
  const n = tokens.length;
  const events = Math.round(plan.eventsPerSecond * plan.seconds);
  const before = await snapshot(reader);
  const [record, writes] = await Promise.all([
    poll(reader.url, tokens, editor.playlistId, plan.pollIntervalMs, plan.seconds + (2 * plan.pollIntervalMs) / 1000),
    editor.renames(events, 1000 / plan.eventsPerSecond),
  ]);
  const after = await snapshot(reader);
  const answered = record.latencies.length;
  const { delays, unseen } = visibility(record, editor.sentAt, writes.first, writes.last);
  return {
    offeredRps: (n * 1000) / plan.pollIntervalMs,
    rps: (answered - record.errors) / record.seconds,
    response: spread(record.latencies),
    errors: record.errors,
    errorCodes: record.errorCodes,
    seen: spread(delays),
    unseen,
    statementsPerRequest: answered > 0 ? (after.statements - before.statements) / answered : NaN,
    statementsPerSecond: (after.statements - before.statements) / record.seconds,
    cpuPercent: cpuPercent(before, after),
    eventsPerSecond: events / writes.seconds,
  };
}

/** Compiles both operations and fills both servers' caches, so N=1 is not the one that pays for it. */
async function warmUp(reader: ServerProcess, editor: Editor, tokens: string[], plan: FanoutPlan): Promise<void> {
  const quick = { ...plan, seconds: 1 };
  await measureSubscription(reader, editor, tokens.slice(0, 1), quick, []);
  await measurePolling(reader, editor, tokens.slice(0, 1), quick);
}

/** Tracks for the playlist: 20 spread over the catalog, so its page has 20 rows and several albums. */
const playlistTracks = (tracks: number) => Array.from({ length: 20 }, (_, i) => 1 + ((i * 7919 + 13) % tracks));

/**
 * Runs the fan-out scenario on two product servers it starts (and stops). Problems (lost
 * or stale results, errors, leaked sockets or subscriptions, statements per event growing
 * with the watchers) are listed in the results for the caller to fail the run on.
 */
export async function runFanout(options: FanoutOptions): Promise<FanoutResults> {
  const { plan, jwtSecret, sizes, log } = options;
  const problems: string[] = [];
  const rows: FanoutRow[] = [];
  const tokens = await watcherTokens(Math.max(...plan.watchers), sizes.customers, jwtSecret);
  const employee = await signToken({ role: 'employee', employeeId: 1 }, jwtSecret);
  const reader = await options.start();
  const writer = await options.start().catch(async (err) => {
    await options.stop(reader);
    throw err;
  });
  try {
    const editor = await Editor.create(writer.url, employee, playlistTracks(sizes.tracks));
    await warmUp(reader, editor, tokens, plan);
    for (const n of plan.watchers) {
      const subscription = await measureSubscription(reader, editor, tokens.slice(0, n), plan, problems);
      const polling = await measurePolling(reader, editor, tokens.slice(0, n), plan);
      rows.push({ watchers: n, subscription, polling });
      log(progressLine(rows.at(-1)!));
    }
    await editor.delete();
  } finally {
    await Promise.all([options.stop(reader), options.stop(writer)]);
  }
  const one = rows.find((r) => r.watchers === 1)?.subscription.statementsPerEvent;
  for (const row of rows) {
    // The claim: 1,000 subscribers of one playlist cost the statements of one.
    if (one !== undefined && row.subscription.statementsPerEvent > one) {
      problems.push(`N=${row.watchers}: ${row.subscription.statementsPerEvent.toFixed(2)} statements per event, more than the ${one.toFixed(2)} of one subscriber`);
    }
  }
  return { plan, rows, problems };
}

const ms = (x: number) => (Number.isFinite(x) ? `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms` : '–');

function progressLine({ watchers, subscription: s, polling: p }: FanoutRow): string {
  return (
    `  N=${String(watchers).padEnd(5)} subscribed: ${s.delivered}/${s.expected} delivered, p50 ${ms(s.delivery.p50)}, p99 ${ms(s.delivery.p99)}, ` +
    `${s.statementsPerEvent.toFixed(1)} stmts/event, ${s.statementsPerSecond.toFixed(1)} stmts/s  |  ` +
    `polling: ${p.rps.toFixed(0)}/${p.offeredRps.toFixed(0)} req/s, seen after p50 ${ms(p.seen.p50)}, ${p.statementsPerSecond.toFixed(0)} stmts/s`
  );
}

/**
 * `npm run bench -- --only fanout [--quick]`: the fan-out scenario alone, on the bench
 * database, written to bench/results/<date>[-quick]-fanout.{json,md}. Exits 1 on problems.
 */
export async function runFanoutOnly(quick: boolean, scale: number): Promise<void> {
  const log = (line: string) => console.log(line);
  log(`Fan-out benchmark (${quick ? 'quick' : 'full'}): preparing the database at scale ${scale}…`);
  const db = await prepareBenchDatabase(scale, (m) => log(`  ${m}`));
  const url = new URL(db.url);
  url.searchParams.set('connection_limit', '10'); // as the compared servers (COMPARED_CONNECTION_LIMIT)
  const jwtSecret = randomBytes(32).toString('hex');
  const running = new Set<ServerProcess>();
  const stop = async (s: ServerProcess) => {
    running.delete(s);
    await s.stop();
  };
  process.once('SIGINT', () => void Promise.all([...running].map(stop)).finally(() => db.stop().finally(() => process.exit(130))));
  let results: FanoutResults;
  try {
    results = await runFanout({
      plan: fanoutPlan(quick),
      jwtSecret,
      sizes: db.sizes,
      start: async () => {
        const s = await startServerProcess('pooled', url.toString(), jwtSecret);
        running.add(s);
        return s;
      },
      stop,
      log,
    });
  } finally {
    await Promise.all([...running].map(stop));
    await db.stop();
  }
  const stem = `${new Date().toISOString().slice(0, 10)}${quick ? '-quick' : ''}-fanout`;
  const dir = join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(dir, `${stem}.md`), [`# Fan-out benchmark ${stem.slice(0, 10)} (${quick ? 'quick' : 'full'})`, '', `PostgreSQL ${db.version}; Node ${process.version}.`, '', ...fanoutMarkdown(results)].join('\n'));
  log(`\nWrote bench/results/${stem}.json and .md`);
  for (const p of results.problems) log(`  ✗ ${p}`);
  if (results.problems.length > 0) process.exitCode = 1;
}
