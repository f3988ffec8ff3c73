/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

// Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
function parseValue(raw: string): number | undefined {
  if (/^nan$/i.test(raw)) return NaN;
  if (/^[+-]?inf$/i.test(raw)) return raw.startsWith('-') ? -Infinity : Infinity;
  const value = Number(raw);
  return Number.isNaN(value) ? undefined : value;
}

/**
 * Parses Prometheus text format strictly: every line must be a comment or a sample.
 * @throws Error naming the first line that is neither
 */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    const value = match ? parseValue(match[3]) : undefined;
    if (!match || value === undefined) throw new Error(`Not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) labels[key] = raw;
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

/** The value of the sample `name` whose labels include `labels`; undefined when absent. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** GETs `path` (e.g. /metrics) beside the GraphQL endpoint `graphqlUrl`. */
export function getBeside(graphqlUrl: string, path: string): Promise<Response> {
  return fetch(new URL(path, graphqlUrl));
}

/** Scrapes /metrics of the server at `graphqlUrl` and parses it. */
export async function scrape(graphqlUrl: string): Promise<Sample[]> {
  const res = await getBeside(graphqlUrl, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return parsePrometheus(await res.text());
}
