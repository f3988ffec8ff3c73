import { useTestApi } from '../helpers/api';
import { getBeside, parsePrometheus, sampleValue, scrape } from '../helpers/metrics';
import { LIMIT_REFUSAL_CODES } from '../../src/observability/metrics';
import { loadConfig } from '../../src/config';
import { contextFactory } from '../../src/context';
import { openDatabase } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { createServer } from '../../src/server';

const handle = useTestApi();

const DURATION = 'graphql_request_duration_seconds_count';

describe('GET /metrics', () => {
  it('serves Prometheus text with process, pool and limit series before any operation', async () => {
    const res = await getBeside(handle.api.url, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles_total']) {
      expect(sampleValue(samples, name)).toEqual(expect.any(Number));
    }
    expect(sampleValue(samples, 'db_pool_max_connections')).toBe(handle.api.db.pool.usage.max);
    for (const name of ['db_pool_connections', 'db_pool_idle_connections', 'db_pool_waiting_requests']) expect(sampleValue(samples, name)).toEqual(expect.any(Number));
    for (const limit of LIMIT_REFUSAL_CODES) expect(sampleValue(samples, 'graphql_limit_refusals_total', { limit })).toBe(0);
    expect(sampleValue(samples, 'db_busy_total')).toBe(0);
    expect(sampleValue(samples, 'db_unavailable_total')).toBe(0);
  });

  it('records duration by operation and outcome, statements, and every error code sent', async () => {
    const before = await scrape(handle.api.url);
    const ok = await handle.api.query(`query TopAlbums { albums(first: 2) { nodes { title artist { name } } } }`);
    expect(ok.errors).toBeUndefined();
    const bad = await handle.api.query(`query TooMany { albums(first: 1000) { nodes { id } } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const syntax = await handle.api.query(`query Broken { albums(`);
    expect(syntax.status).toBe(400);
    expect(syntax.errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const invalid = await handle.api.query(`{ noSuchField }`);
    expect(invalid.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badToken = await handle.api.query(`{ genres(first: 1) { nodes { name } } }`, undefined, { authorization: 'Bearer not-a-token' });
    expect(badToken.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const after = await scrape(handle.api.url);
    const delta = (name: string, labels: Record<string, string> = {}) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    expect(delta(DURATION, { operation: 'TopAlbums', outcome: 'ok' })).toBe(1);
    expect(delta(DURATION, { operation: 'TooMany', outcome: 'BAD_USER_INPUT' })).toBe(1);
    // A document that does not parse has no name, unless the request's operationName gives one.
    expect(delta(DURATION, { operation: 'anonymous', outcome: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    expect(delta(DURATION, { operation: 'anonymous', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    for (const code of ['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'UNAUTHENTICATED']) {
      expect([code, delta('graphql_errors_total', { code })]).toEqual([code, 1]);
    }
    // Only the two operations that executed have statements and connections observed.
    expect(delta('graphql_operation_statements_count')).toBe(2);
    expect(delta('graphql_operation_statements_sum')).toBe(ok.telemetry.statements + bad.telemetry.statements);
    expect(delta('graphql_operation_peak_connections_count')).toBe(2);
    // Both were measured before they ran; their costs are what telemetry reports.
    expect(delta('graphql_operation_cost_count')).toBe(2);
    expect(delta('graphql_operation_cost_sum')).toBe((ok.telemetry as { cost?: number }).cost! + (bad.telemetry as { cost?: number }).cost!);
    expect(delta('db_pool_acquire_wait_seconds_count')).toBeGreaterThanOrEqual(ok.telemetry.statements);
    expect(sampleValue(after, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
  });

  it('keeps at most 100 operation names as labels, the rest counted as other', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `Op${i}`);
    for (let i = 0; i < names.length; i += 10) {
      const batch = await Promise.all(names.slice(i, i + 10).map((name) => handle.api.query(`query ${name} { genres(first: 1) { nodes { name } } }`)));
      for (const res of batch) expect(res.errors).toBeUndefined();
    }
    const tooLong = await handle.api.query(`query ${'L'.repeat(65)} { genres(first: 1) { nodes { name } } }`);
    expect(tooLong.errors).toBeUndefined();

    const samples = await scrape(handle.api.url);
    const operations = new Set(samples.filter((s) => s.name === DURATION).map((s) => s.labels.operation));
    expect(operations.size).toBeLessThanOrEqual(102);
    expect(operations.has('other')).toBe(true);
    expect(operations.has('anonymous')).toBe(true);
    expect(operations.has('L'.repeat(65))).toBe(false);
    const counted = samples.filter((s) => s.name === DURATION && s.labels.outcome === 'ok' && s.labels.operation.startsWith('Op'));
    const other = sampleValue(samples, DURATION, { operation: 'other', outcome: 'ok' }) ?? 0;
    expect(counted.reduce((sum, s) => sum + s.value, 0) + other).toBe(151);
  });

  it('counts a request Apollo refuses before parsing under its code', async () => {
    const res = await fetch(handle.api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ variables: {} }) });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    expect(sampleValue(await scrape(handle.api.url), 'graphql_errors_total', { code: 'BAD_REQUEST' })).toBe(1);
  });

  it('observes the cost that cost analysis leaves on the context as ctx.cost, even from a context of its own', async () => {
    const db = openDatabase(handle.database.url);
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: handle.database.url });
    const context = contextFactory(db, { maxStatementsPerRequest: 2, jwtSecret: config.jwtSecret });
    // Limits off, so nothing measures the operation: the cost is the context's own.
    const server = await createServer({ ...config, limits: { ...config.limits, maxCost: 0, maxDepth: 0, maxAliases: 0, maxDirectives: 0, maxFields: 0, maxTokens: 0, maxDocumentBytes: 0, maxConcurrentCost: 0, admissionWaitMs: 0 } }, db, createLogger('silent'), {
      createContext: async () => Object.assign(await context(), { cost: 42 }),
    });
    try {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ genres(first: 1) { nodes { name } } }' }) });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const samples = await scrape(server.url);
      expect(sampleValue(samples, 'graphql_operation_cost_count')).toBe(1);
      expect(sampleValue(samples, 'graphql_operation_cost_sum')).toBe(42);
      expect(sampleValue(samples, 'graphql_operation_cost_bucket', { le: '64' })).toBe(1);
    } finally {
      await server.stop();
      await db.close();
    }
  });
});
