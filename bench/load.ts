import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios';

export interface LoadResult {
  /** Successful responses per second. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Failed requests: connection errors, timeouts, non-2xx and GraphQL errors. */
  errors: number;
  /** Requests answered, successful or not. */
  requests: number;
  seconds: number;
}

// Long enough that a queue of slow nested requests at 256 connections is measured as
// latency, not as failures of the load generator's own.
const TIMEOUT_SECONDS = 30;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// A GraphQL answer is good when it carries data and no errors; a bad one is counted under
// its first error code, so a run says why requests failed, not only how many.
function goodBody(body: string | Buffer | undefined, failures: Map<string, number>): boolean {
  const text = String(body ?? '');
  if (text.startsWith('{"data"') && !text.includes('"errors"')) return true;
  const code = /"code":"([A-Z_]{1,64})"/.exec(text)?.[1] ?? 'no GraphQL answer';
  failures.set(code, (failures.get(code) ?? 0) + 1);
  return false;
}

// Idempotency keys unique to this process and send: a purchase sent twice buys twice.
let sent = 0;
const run = `${process.pid}-${Date.now().toString(36)}`;
const freshKey = () => `bench-${run}-${++sent}`;

function bodyOf(r: BenchRequest): string {
  let variables = r.variables ?? {};
  if (r.purchase) variables = { ...variables, input: { ...(variables.input as object), idempotencyKey: freshKey() } };
  return JSON.stringify({ operationName: r.operationName, query: r.query, variables });
}

// The HTTP form of a benchmark request, the same for every server; a purchase's body is
// made again at each send, with its own idempotency key.
function httpRequest(r: BenchRequest) {
  return {
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', ...(r.token ? { authorization: `Bearer ${r.token}` } : {}) },
    body: bodyOf(r),
    ...(r.purchase ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: bodyOf(r) }) } : {}),
  };
}

/** Drives `url` with `connections` concurrent connections for `seconds`, each cycling through `requests`. */
export async function drive(url: string, requests: BenchRequest[], connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const options: autocannon.Options = {
    url,
    connections,
    duration: seconds,
    timeout: TIMEOUT_SECONDS,
    method: 'POST',
    verifyBody: (body) => goodBody(body, failures),
    requests: requests.map(httpRequest),
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, done) => (err ? reject(err) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const failed = result.errors + result.mismatches;
  if (result.errors > 0) failures.set('connection error or timeout', result.errors);
  if (failed > 0) console.warn(`    failed requests by kind: ${JSON.stringify(Object.fromEntries(failures))}`);
  const elapsed = result.duration || seconds;
  return {
    rps: Math.max(0, latencies.length - result.mismatches) / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: failed,
    requests: latencies.length + result.errors,
    seconds: elapsed,
  };
}

/** Sends each request once, in order, and returns the parsed responses. */
export async function sendEach(url: string, requests: BenchRequest[]): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const r of requests) {
    const res = await fetch(url, httpRequest(r));
    answers.push(await res.json());
  }
  return answers;
}
