/**
 * `npm run bench [-- --quick]`: seeds the benchmark database, runs the product and the
 * patterns it is measured against side by side on loopback, drives each with
 * autocannon, and writes bench/results/<date>.{json,md,svg}. A full run also refreshes
 * the README's results. Exits 1 when the product's statement counts or errors regress
 * against bench/baseline.json; timings are reported, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isDeepStrictEqual } from 'node:util';
import { prepareBenchDatabase } from './database';
import { drive, sendEach, type LoadResult } from './load';
import { fanoutPlan, runFanout, runFanoutOnly } from './fanout';
import { summarizeProfile } from './profile';
import { markdownReport, readmeSection, replaceReadmeSection, svgChart } from './report';
import { cellOf, COMPARED_CONNECTION_LIMIT, evaluateTargets, regressions, TARGET_CONCURRENCY, type Baseline, type BenchResults, type Cell, type Measured, type Probe, type Skipped, type SweepCell } from './results';
import { sampleCpu } from './cpu';
import { ConnectionSampler, type Peaks } from './sampler';
import { buildScenarios, type BenchRequest, type Scenario } from './scenarios';
import { ensurePostGraphileInstalled, postGraphileAnswerAsProduct, postGraphileCannot, postGraphileVersion, toPostGraphile } from './servers/postgraphile';
import { SERVER_KINDS, type ServerKind } from './servers/protocol';
import { startServerProcess, type ServerProcess } from './servers/process';

const ROOT = join(__dirname, '..');
const RESULTS_DIR = join(__dirname, 'results');
const BASELINE_FILE = join(__dirname, 'baseline.json');
/** Requests per scenario sent one at a time to count statements and compare answers. */
const PROBE_REQUESTS = 40;
/** Longest wait for a server to finish requests left over from a cell before it is restarted. */
const DRAIN_TIMEOUT_MS = 15_000;

const HELP = `Usage: npm run bench -- [options]

Seeds a benchmark database (embedded PostgreSQL in .data/bench, or BENCH_DATABASE_URL),
runs the product and the patterns it is measured against side by side, drives each with
autocannon and writes bench/results/<date>.{json,md,svg}; a full run also rewrites the
README's results. Exits 1 when the product's statement counts or failed requests regress
against bench/baseline.json.

  --quick                 one concurrency, short windows (about three minutes; CI runs it;
                          leaves out the unguarded product and PostGraphile unless --servers names them)
  --scale <n>             seed scale (default 10)
  --seconds <n>           measured seconds per cell (default 8, quick 2)
  --passes <n>            passes over the servers at c=64, where the targets are read;
                          each figure kept is the median of its passes (default 3, quick 1)
  --concurrency <list>    e.g. 1,64 (default 1,16,64,256; quick 8); the product is also
                          measured at 256 when the list leaves it out
  --servers <list>        ${SERVER_KINDS.join(',')}
  --scenarios <list>      album-by-id, search-albums, albums-tracks-genre,
                          customers-invoices, playlists-tracks, store-front
  --no-readme             leave the README alone after a full run
  --only fanout           only the fan-out scenario (subscribers vs polling; bench/fanout.ts)
  --update-baseline       rewrite bench/baseline.json after an intended change
  -h, --help              this text`;

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    seconds: { type: 'string' },
    passes: { type: 'string' },
    concurrency: { type: 'string' },
    servers: { type: 'string' },
    scenarios: { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
    only: { type: 'string' },
    'update-baseline': { type: 'boolean', default: false },
  },
});

const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter(Boolean);
const mode = args.quick ? 'quick' : 'full';
const plan = {
  scale: Number(args.scale ?? 10),
  seconds: Number(args.seconds ?? (args.quick ? 2 : 8)),
  warmupSeconds: args.quick ? 0.5 : 2,
  // A shared machine's speed changes from one 8-second window to the next: one window per
  // server decided the targets by whichever server a busy neighbour happened to slow.
  passes: Number(args.passes ?? (args.quick ? 1 : 3)),
  concurrency: list(args.concurrency)?.map(Number) ?? (args.quick ? [8] : [1, 16, 64, 256]),
  // Every run proves the product error-free at 256 connections, even one whose other
  // servers are measured at fewer.
  pooledExtraConcurrency: [] as number[],
  // Quick runs (CI) leave out the product with its limits off (it only times what they
  // cost) and PostGraphile (a peer installed from the registry, compared on timings).
  servers: (list(args.servers) ?? SERVER_KINDS.filter((k) => !args.quick || (k !== 'unguarded' && k !== 'postgraphile'))) as ServerKind[],
  scenarios: list(args.scenarios),
  sweepLimits: args.quick ? [2, 10] : [1, 2, 4, 8, 16, 32],
  sweepScenarios: args.quick ? ['store-front'] : ['store-front', 'customers-invoices'],
  profileSeconds: args.quick ? 0 : 8,
};

if (!plan.concurrency.includes(256)) plan.pooledExtraConcurrency.push(256);
if (!Number.isInteger(plan.passes) || plan.passes < 1) throw new Error(`--passes must be a whole number from 1, not ${args.passes}`);

/** Windows per server and scenario at `concurrency`. */
const passesAt = (concurrency: number) => (concurrency === TARGET_CONCURRENCY ? plan.passes : 1);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const withPool = (url: string, limit: number) => {
  const u = new URL(url);
  u.searchParams.set('connection_limit', String(limit));
  return u.toString();
};

// Decimals are compared by value: "5.90" from SQL and "5.9" from Prisma are the same price.
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  if (typeof value === 'string' && /^-?\d+\.\d+$/.test(value)) return Number(value);
  return value;
}

const running = new Set<ServerProcess>();

async function start(kind: ServerKind, url: string, secret: string): Promise<ServerProcess> {
  const server = await startServerProcess(kind, url, secret);
  running.add(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  running.delete(server);
  await server.stop();
}

async function drained(server: ServerProcess): Promise<boolean> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if ((await server.stats()).inFlight === 0) return true;
    await sleep(100);
  }
  return false;
}

async function settled(server: ServerProcess, sampler: ConnectionSampler): Promise<void> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline && (await sampler.count(server.applicationName)) > COMPARED_CONNECTION_LIMIT) await sleep(100);
}

/** The PostgreSQL postmaster's pid, for its CPU (undefined when the database is elsewhere). */
let postgresPid: number | undefined;

/**
 * Warms up, then drives one cell. The window grows (up to 2×) with the latency seen in
 * warm-up, so that slow cells still complete several rounds of requests in it.
 */
async function measure(server: ServerProcess, sampler: ConnectionSampler, requests: BenchRequest[], concurrency: number): Promise<Measured> {
  const warm = await drive(server.url, requests, concurrency, plan.warmupSeconds);
  await drained(server);
  const latency = warm.requests > 0 ? warm.p50 / 1000 : Infinity;
  const seconds = Math.round(Math.min(2 * plan.seconds, Math.max(plan.seconds, 3 * latency)));
  const before = await server.stats();
  const cpuBefore = sampleCpu(server.pid, postgresPid);
  const stopWatching = sampler.watch(server);
  const load = await drive(server.url, requests, concurrency, seconds);
  const peaks = await stopWatching();
  const after = await server.stats();
  const answered = after.requests - before.requests;
  // CPU until the requests of the window are all finished, over every request finished
  // by then: a request the load generator left in flight is counted with its CPU.
  await drained(server);
  const cpuAfter = sampleCpu(server.pid, postgresPid);
  const finished = (await server.stats()).requests - before.requests;
  const perRequest = (ms: number) => (finished > 0 ? ms / finished : NaN);
  return {
    load,
    peaks,
    statementsPerRequest: answered > 0 ? (after.statements - before.statements) / answered : NaN,
    apiCpuMsPerRequest: perRequest(cpuAfter.apiMs - cpuBefore.apiMs),
    postgresCpuMsPerRequest: perRequest(cpuAfter.postgresMs - cpuBefore.postgresMs),
  };
}

/**
 * What `kind` is sent for a scenario: the scenario's own requests, or PostGraphile's
 * queries for the same rows; a string says why the server cannot be asked.
 */
function requestsFor(kind: ServerKind, scenario: Scenario): BenchRequest[] | string {
  if (kind !== 'postgraphile') return scenario.requests;
  const cannot = scenario.requests.map(postGraphileCannot).find((reason) => reason !== undefined);
  return cannot ?? scenario.requests.map(toPostGraphile);
}

/** An answer in the product's shape, for comparison. */
const asProduct = (kind: ServerKind, request: BenchRequest, answer: unknown) => (kind === 'postgraphile' ? postGraphileAnswerAsProduct(request, answer) : answer);

function progress(done: number, total: number, started: number, label: string, m: Measured): void {
  const perCell = (Date.now() - started) / done;
  const eta = Math.round(((total - done) * perCell) / 1000);
  const { load, peaks } = m;
  console.log(
    `[${String(done).padStart(3)}/${total}] ${label.padEnd(44)} ${load.rps.toFixed(0).padStart(6)} req/s  p99 ${load.p99.toFixed(0).padStart(5)} ms  ` +
      `${String(load.errors).padStart(4)} errors  ${m.statementsPerRequest.toFixed(1).padStart(6)} stmts/req  ${String(peaks.connections).padStart(3)} conns  ` +
      `CPU ms/req ${m.apiCpuMsPerRequest.toFixed(2)} API ${m.postgresCpuMsPerRequest.toFixed(2)} PG  ` +
      `(about ${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s left)`,
  );
}

/** The product is measured as `npm start` runs it: compiled (dist/), not transpiled by tsx. */
function buildProduct(): void {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'freshness.js'), 'ensure', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed: the product cannot be benchmarked as it ships');
  process.env.BENCH_COMPILED = '1';
}

async function main(): Promise<void> {
  const began = Date.now();
  console.log(`Benchmark (${mode}): preparing the database at scale ${plan.scale}…`);
  buildProduct();
  const db = await prepareBenchDatabase(plan.scale, (message) => console.log(`  ${message}`));
  stopDatabase = db.stop;
  process.once('SIGINT', () => {
    void Promise.all([...running].map((s) => s.stop())).finally(() => db.stop().finally(() => process.exit(130)));
  });
  const sampler = await ConnectionSampler.open(db.url);
  postgresPid = await sampler.postmasterPid();
  if (plan.servers.includes('postgraphile')) ensurePostGraphileInstalled((message) => console.log(`  ${message}`));
  const secret = randomBytes(32).toString('hex');
  const scenarios = (await buildScenarios(db.sizes, secret)).filter((s) => !plan.scenarios || plan.scenarios.includes(s.name));
  const comparedUrl = withPool(db.url, COMPARED_CONNECTION_LIMIT);

  const concurrencyOf = (kind: ServerKind) => (kind === 'pooled' ? [...plan.concurrency, ...plan.pooledExtraConcurrency] : plan.concurrency);
  const windowsOf = (kind: ServerKind) => concurrencyOf(kind).reduce((n, c) => n + passesAt(c), 0);
  const sweepScenarios = scenarios.filter((s) => plan.sweepScenarios.includes(s.name));
  // Every scenario the product is compared with PostGraphile on: where a target is missed, the profile says where the time goes.
  const profiled = plan.profileSeconds > 0 && plan.servers.includes('pooled') ? scenarios.filter((s) => s.requests.every((r) => !postGraphileCannot(r))) : [];
  let total =
    plan.servers.reduce((n, k) => n + windowsOf(k) * scenarios.length, 0) +
    (plan.servers.includes('pooled') ? plan.sweepLimits.length * sweepScenarios.length : 0) +
    profiled.length;
  let done = 0;
  const loadStarted = Date.now();

  const probes: Probe[] = [];
  const skipped: Skipped[] = [];
  /** What each server is sent per scenario; a server left out of a scenario has none. */
  const sends = new Map<string, BenchRequest[]>();
  const sendKey = (kind: ServerKind, scenario: string) => `${kind}\0${scenario}`;
  const cells: Cell[] = [];
  const sweep: SweepCell[] = [];
  const reference = new Map<string, unknown>();

  // Every server runs from the start, and each cell measures them one right after another,
  // in an order that rotates from cell to cell. A shared machine's speed drifts over a
  // run; measured in blocks, one server per stretch of minutes, the drift landed on
  // whichever server's turn it was and skewed the ratios the claims are made of.
  const servers = new Map<ServerKind, ServerProcess>();
  for (const kind of plan.servers) {
    const server = await start(kind, comparedUrl, secret);
    servers.set(kind, server);
    console.log(`${kind}: listening at ${server.url}`);
    for (const scenario of scenarios) {
      const requests = requestsFor(kind, scenario);
      if (typeof requests === 'string') {
        skipped.push({ server: kind, scenario: scenario.name, reason: requests });
        total -= windowsOf(kind);
        console.log(`  ${kind} · ${scenario.name}: not measured, ${requests}`);
        continue;
      }
      const sample = requests.slice(0, PROBE_REQUESTS);
      // Sign in first: the product checks once per token that its customer or employee
      // exists, a statement of the token's, not of the operations counted below.
      const tokens = [...new Set(sample.map((r) => r.token).filter((t): t is string => t !== undefined))];
      if (kind !== 'postgraphile') await sendEach(server.url, tokens.map((token) => ({ operationName: 'SignIn', query: 'query SignIn { __typename }', token })));
      const before = await server.stats();
      const raw = await sendEach(server.url, sample);
      const answers = canonical(raw.map((answer, i) => asProduct(kind, sample[i], answer)));
      const after = await server.stats();
      if (kind === 'pooled') reference.set(scenario.name, answers);
      const expected = reference.get(scenario.name);
      const matchesPooled = kind === 'pooled' || expected === undefined ? null : isDeepStrictEqual(answers, expected);
      probes.push({ server: kind, scenario: scenario.name, statementsPerRequest: (after.statements - before.statements) / sample.length, matchesPooled });
      // A server whose answers differ is not measured: its speed would be for other work.
      if (matchesPooled === false) {
        skipped.push({ server: kind, scenario: scenario.name, reason: "its answers differ from the product's" });
        total -= windowsOf(kind);
        console.log(`  ${kind} · ${scenario.name}: not measured, its answers differ from the product's`);
        continue;
      }
      sends.set(sendKey(kind, scenario.name), requests);
    }
  }
  console.log('');
  const concurrencies = [...new Set(plan.servers.flatMap(concurrencyOf))].sort((a, b) => a - b);
  let turn = 0;
  for (const scenario of scenarios) {
    for (const concurrency of concurrencies) {
      const kinds = plan.servers.filter((kind) => concurrencyOf(kind).includes(concurrency) && sends.has(sendKey(kind, scenario.name)));
      const passes = passesAt(concurrency);
      const windows = new Map<ServerKind, Measured[]>(kinds.map((kind) => [kind, []]));
      for (let pass = 1; pass <= passes; pass++) {
        const order = kinds.map((_, i) => kinds[(i + turn) % kinds.length]);
        turn++;
        for (const kind of order) {
          const server = servers.get(kind)!;
          const m = await measure(server, sampler, sends.get(sendKey(kind, scenario.name))!, concurrency);
          windows.get(kind)!.push(m);
          progress(++done, total, loadStarted, `${kind} · ${scenario.name} · c=${concurrency}${passes > 1 ? ` (${pass}/${passes})` : ''}`, m);
          // The next server's cell starts only once this one is quiet: operations go on after
          // the load generator hangs up (the naive server's for seconds), and the
          // client-per-request pattern closes its connections after answering.
          if (!(await drained(server))) {
            console.log(`  ${kind} still busy with earlier requests after ${DRAIN_TIMEOUT_MS / 1000} s: restarting it`);
            await stop(server);
            servers.set(kind, await start(kind, comparedUrl, secret));
          }
          await settled(servers.get(kind)!, sampler);
        }
      }
      for (const kind of kinds) cells.push(cellOf(kind, scenario.name, concurrency, windows.get(kind)!));
    }
  }
  for (const server of servers.values()) await stop(server);

  if (plan.servers.includes('pooled')) {
    console.log(`\nPool-size sweep of the product at c=${TARGET_CONCURRENCY}`);
    for (const limit of plan.sweepLimits) {
      const server = await start('pooled', withPool(db.url, limit), secret);
      for (const scenario of sweepScenarios) {
        await drained(server);
        const m = await measure(server, sampler, scenario.requests, TARGET_CONCURRENCY);
        sweep.push({ connectionLimit: limit, scenario: scenario.name, concurrency: TARGET_CONCURRENCY, rps: m.load.rps, p99: m.load.p99, errors: m.load.errors, peakConnections: m.peaks.connections });
        progress(++done, total, loadStarted, `pooled · ${scenario.name} · connection_limit=${limit}`, m);
      }
      await stop(server);
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  const stem = mode === 'quick' ? `${date}-quick` : date;
  await mkdir(RESULTS_DIR, { recursive: true });
  const profiles: BenchResults['profiles'] = [];
  for (const scenario of profiled) {
    const server = await start('pooled', comparedUrl, secret);
    await drive(server.url, scenario.requests, TARGET_CONCURRENCY, plan.warmupSeconds);
    await drained(server);
    await server.startProfile();
    const load = await drive(server.url, scenario.requests, TARGET_CONCURRENCY, plan.profileSeconds);
    const path = join(RESULTS_DIR, `${stem}-${scenario.name}.cpuprofile`);
    await server.stopProfile(path);
    await stop(server);
    profiles.push({ scenario: scenario.name, seconds: plan.profileSeconds, shares: summarizeProfile(JSON.parse(await readFile(path, 'utf8'))) });
    done++;
    console.log(`[${String(done).padStart(3)}/${total}] CPU profile of pooled · ${scenario.name}: ${load.rps.toFixed(0)} req/s while profiled → ${path}`);
  }
  // Subscribers vs polling of one playlist (bench/fanout.ts); left out when --scenarios picks some.
  const fanout = plan.scenarios ? undefined : await runFanout({ plan: fanoutPlan(args.quick), jwtSecret: secret, sizes: db.sizes, start: () => start('pooled', comparedUrl, secret), stop, log: console.log });
  await sampler.close();
  await db.stop();

  const results: BenchResults = {
    date,
    mode,
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `${type()} ${release()}`,
      node: process.version,
      postgres: db.version,
      ...(plan.servers.includes('postgraphile') ? { postgraphile: postGraphileVersion() } : {}),
    },
    settings: { scale: plan.scale, seconds: plan.seconds, warmupSeconds: plan.warmupSeconds, passes: plan.passes, connectionLimit: COMPARED_CONNECTION_LIMIT, concurrency: plan.concurrency, sizes: db.sizes },
    scenarios: scenarios.map(({ name, title, nested }) => ({ name, title, nested })),
    probes,
    skipped,
    cells,
    sweep,
    profiles,
    fanout,
    targets: [],
    minutes: (Date.now() - began) / 60_000,
  };
  results.targets = evaluateTargets(results);

  await writeFile(join(RESULTS_DIR, `${stem}.json`), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, `${stem}.svg`), svgChart(results));
  await writeFile(join(RESULTS_DIR, `${stem}.md`), markdownReport(results, `${stem}.svg`));
  console.log(`\nWrote bench/results/${stem}.json, .md and .svg`);
  // A full run of every server and scenario at the target concurrency is the README's reading.
  const complete = mode === 'full' && plan.concurrency.includes(TARGET_CONCURRENCY) && !args.servers && !args.scenarios && !args.seconds;
  if (complete && !args['no-readme']) {
    const readmePath = join(ROOT, 'README.md');
    const readme = await readFile(readmePath, 'utf8');
    await writeFile(readmePath, replaceReadmeSection(readme, readmeSection(results, `bench/results/${stem}.md`, `bench/results/${stem}.svg`)));
    console.log('Updated the benchmark section of README.md');
  }

  console.log('\nClaims:');
  for (const t of results.targets) console.log(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.claim}: ${t.measured}`);

  if (args['update-baseline']) {
    const baseline: Baseline = {
      // Rounded up: a baseline rounded down (1.275 to 1.27) would fail the run it came from.
      statementsPerRequest: Object.fromEntries(probes.filter((p) => p.server === 'pooled').map((p) => [p.scenario, Math.ceil(p.statementsPerRequest * 100 - 1e-9) / 100])),
    };
    await writeFile(BASELINE_FILE, `${JSON.stringify(baseline, null, 2)}\n`);
    console.log('Wrote bench/baseline.json');
    return;
  }
  const baseline = JSON.parse(await readFile(BASELINE_FILE, 'utf8').catch(() => '{"statementsPerRequest":{}}')) as Baseline;
  const found = [...regressions(results, baseline), ...(fanout?.problems ?? [])];
  if (found.length > 0) {
    console.log('\nRegressions against bench/baseline.json:');
    for (const line of found) console.log(`  ✗ ${line}`);
    process.exitCode = 1;
  } else {
    console.log('\nNo regressions: statement counts within bench/baseline.json and no failed requests for the product.');
  }
}

let stopDatabase: (() => Promise<void>) | undefined;

if (args.help) {
  console.log(HELP);
} else if (args.only === 'fanout') {
  buildProduct();
  runFanoutOnly(args.quick, plan.scale).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (args.only) {
  console.error(`--only takes 'fanout', not '${args.only}'`);
  process.exitCode = 2;
} else {
  main().catch(async (err) => {
    console.error(err);
    await Promise.all([...running].map((s) => s.stop()));
    await stopDatabase?.().catch(() => undefined);
    process.exit(1);
  });
}
