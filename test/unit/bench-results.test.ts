import { cellOf, evaluateTargets, regressions, type BenchResults, type Cell, type Measured } from '../../bench/results';
import { replaceReadmeSection, sizingAdvice } from '../../bench/report';

const cell = (server: Cell['server'], scenario: string, concurrency: number, rps: number, extra: Partial<Cell> = {}): Cell => ({
  server, scenario, concurrency, rps, p50: 1, p95: 2, p99: 3, errors: 0, requests: 100, seconds: 10, statementsPerRequest: 1, apiCpuMsPerRequest: 1, postgresCpuMsPerRequest: 1, peakConnections: 10, peakRssMiB: 100, ...extra,
});

function results(overrides: Partial<BenchResults>): BenchResults {
  return {
    date: '2026-11-21', mode: 'quick', machine: { cpu: 'cpu', cores: 2, memoryGiB: 24, os: 'Linux', node: 'v20', postgres: '17' },
    settings: { scale: 10, seconds: 2, warmupSeconds: 0.5, connectionLimit: 10, concurrency: [64], sizes: {} },
    scenarios: [{ name: 'nested', title: 'Nested', nested: true }],
    probes: [], cells: [], sweep: [], profiles: [], targets: [], minutes: 1,
    ...overrides,
  };
}

describe('benchmark claims', () => {
  it('passes and misses the ratio targets at c=64', () => {
    const targets = evaluateTargets(results({
      cells: [cell('pooled', 'nested', 64, 100), cell('naive', 'nested', 64, 9), cell('per-request', 'nested', 64, 40), cell('raw-sql', 'nested', 64, 400)],
    }));
    expect(targets.map((t) => [t.claim, t.measured, t.pass])).toEqual([
      ['nested: pooled ≥ 10× naive at c=64', '11.1×', true],
      ['nested: pooled ≥ 3× per-request client at c=64', '2.5×', false],
      ['nested: pooled ≥ 50% of the raw SQL bound at c=64', '25%', false],
      ['pooled: peak server connections ≤ connection_limit (10)', '10', true],
    ]);
  });

  it('holds the product to 1.5× PostGraphile, its p99 and its PostgreSQL CPU', () => {
    const targets = evaluateTargets(results({
      cells: [cell('pooled', 'nested', 64, 150, { p99: 40, postgresCpuMsPerRequest: 2 }), cell('postgraphile', 'nested', 64, 100, { p99: 30, postgresCpuMsPerRequest: 1 })],
    }));
    expect(targets.filter((t) => t.claim.includes('PostGraphile')).map((t) => [t.claim, t.measured, t.pass])).toEqual([
      ['nested: pooled ≥ 1.5× PostGraphile at c=64', '1.50×', true],
      ["nested: pooled p99 ≤ PostGraphile's at c=64", '40 / 30 ms', false],
      ["nested: pooled PostgreSQL CPU per request ≤ PostGraphile's at c=64", '2.00 / 1.00 ms', false],
    ]);
  });

  it('flags more connections than the limit in the sweep', () => {
    const targets = evaluateTargets(results({ sweep: [{ connectionLimit: 4, scenario: 'nested', concurrency: 64, rps: 1, p99: 1, errors: 0, peakConnections: 5 }] }));
    expect(targets.find((t) => t.claim.startsWith('sweep'))?.pass).toBe(false);
  });
});

describe('benchmark regressions', () => {
  const probe = (statementsPerRequest: number) => ({ server: 'pooled' as const, scenario: 'nested', statementsPerRequest, matchesPooled: null });

  it('accepts statement counts within the baseline and no failed requests', () => {
    expect(regressions(results({ probes: [probe(3)], cells: [cell('pooled', 'nested', 64, 1)] }), { statementsPerRequest: { nested: 3 } })).toEqual([]);
  });

  it('reports more statements, failed product requests and answers that differ', () => {
    const found = regressions(
      results({
        probes: [probe(4), { server: 'raw-sql', scenario: 'nested', statementsPerRequest: 1, matchesPooled: false }],
        cells: [cell('pooled', 'nested', 256, 1, { errors: 2 }), cell('naive', 'nested', 256, 1, { errors: 50 })],
      }),
      { statementsPerRequest: { nested: 3 } },
    );
    expect(found).toEqual([
      'nested: the product sent 4.00 statements per request; the baseline is 3',
      "nested: the raw-sql server's answers differ from the product's",
      'nested at c=256: the product failed 2 requests',
    ]);
  });
});

describe('benchmark report', () => {
  it('advises the smallest pool within 5% of the best throughput', () => {
    const sweep = [1, 2, 4, 8].map((connectionLimit) => ({ connectionLimit, scenario: 'mix', concurrency: 64, rps: [50, 97, 100, 99][Math.log2(connectionLimit)], p99: 1, errors: 0, peakConnections: connectionLimit }));
    expect(sizingAdvice(sweep)).toEqual(['mix: best 100 req/s at connection_limit=4; 2 connections already reach 95% of it.']);
  });

  it('replaces only the text between the README markers', () => {
    const readme = 'intro\n<!-- bench:start -->\nold\n<!-- bench:end -->\nafter\n';
    expect(replaceReadmeSection(readme, 'new')).toBe('intro\n<!-- bench:start -->\nnew\n<!-- bench:end -->\nafter\n');
    expect(() => replaceReadmeSection('no markers', 'new')).toThrow(/markers/);
  });
});

describe('a cell measured in several passes', () => {
  const window = (rps: number, p99: number, apiCpu: number, errors = 0, connections = 10): Measured => ({
    load: { rps, p50: p99 / 3, p95: p99 / 2, p99, errors, requests: rps * 8, seconds: 8 },
    peaks: { connections, rss: 100 * 2 ** 20 } as Measured['peaks'],
    statementsPerRequest: 1,
    apiCpuMsPerRequest: apiCpu,
    postgresCpuMsPerRequest: NaN,
  });

  it('keeps the median of each figure, the sum of errors and the highest peak', () => {
    const c = cellOf('pooled', 'album-by-id', 64, [window(3000, 40, 0.3), window(1000, 90, 0.6, 2, 12), window(2500, 50, 0.35)]);
    expect([c.rps, c.p99, c.apiCpuMsPerRequest, c.errors, c.peakConnections, c.requests]).toEqual([2500, 50, 0.35, 2, 12, 52_000]);
    expect(c.rpsByPass).toEqual([3000, 1000, 2500]);
    // A figure no window could read stays unknown; an even count takes the middle two's mean.
    expect(c.postgresCpuMsPerRequest).toBeNaN();
    expect(cellOf('pooled', 'x', 64, [window(1000, 10, 1), window(2000, 20, 2)]).rps).toBe(1500);
  });

  it('is the window itself when there was one pass', () => {
    const c = cellOf('raw-sql', 'x', 1, [window(700, 5, 0.1)]);
    expect([c.rps, c.p99, c.rpsByPass]).toEqual([700, 5, undefined]);
  });
});
