import { useTestDatabase } from '../helpers/database';
import { getBeside, sampleValue, scrape } from '../helpers/metrics';
import { startTestServer, type TestServer } from '../helpers/server';

const handle = useTestDatabase();

const QUERY = `{ genres(first: 1) { nodes { name } } }`;

async function ready(api: TestServer): Promise<{ status: number; retryAfter: string | null; body: { status: string; reason?: string } }> {
  const res = await getBeside(api.url, '/ready');
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { status: string; reason?: string } };
}

describe('GET /ready', () => {
  let api: TestServer | undefined;
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  it('answers 200 ready, probing the database at most once a second', async () => {
    api = await startTestServer(handle.database.url);
    let checkouts = 0;
    api.db.pool.onAcquireWait(() => checkouts++);
    const answers = await Promise.all(Array.from({ length: 5 }, () => ready(api!)));
    answers.push(await ready(api));
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(checkouts).toBe(1);
  });

  it('answers 503 draining once stop() begins, while requests are still served', async () => {
    api = await startTestServer(handle.database.url, { env: { SHUTDOWN_DELAY_SECONDS: '1' } });
    expect((await ready(api)).status).toBe(200);
    const stopped = api.server.stop();
    expect(await ready(api)).toMatchObject({ status: 503, retryAfter: '1', body: { status: 'not ready', reason: 'draining' } });
    const health = await getBeside(api.url, '/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', operationsInFlight: 0, pool: { max: expect.any(Number) } });
    expect((await api.query(QUERY)).status).toBe(200);
    await stopped;
  });

  it('answers 503 database unreachable within 1.5 s when nothing listens at DATABASE_URL', async () => {
    api = await startTestServer('postgresql://x@127.0.0.1:1/db?connection_limit=1&pool_timeout=1');
    const started = performance.now();
    expect(await ready(api)).toMatchObject({ status: 503, retryAfter: '1', body: { reason: 'database unreachable' } });
    expect(performance.now() - started).toBeLessThan(1500);
    for (const path of ['/health', '/metrics']) {
      const res = await getBeside(api.url, path);
      await res.arrayBuffer();
      expect([path, res.status]).toEqual([path, 200]);
    }
  });

  it('answers 503 pool saturated while checkouts queue behind a full pool, and counts DATABASE_BUSY', async () => {
    api = await startTestServer(`${handle.database.url}?connection_limit=1&pool_timeout=1`);
    const held = await api.db.pool.connect();
    let busy;
    try {
      const pending = api.query(QUERY);
      while (api.db.pool.usage.waiting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const started = performance.now();
      expect(await ready(api)).toMatchObject({ status: 503, body: { reason: 'pool saturated' } });
      expect(performance.now() - started).toBeLessThan(500);
      busy = await pending;
    } finally {
      held.release();
    }
    expect(busy.errors?.[0].extensions?.code).toBe('DATABASE_BUSY');
    expect((await ready(api)).status).toBe(200);
    const samples = await scrape(api.url);
    expect(sampleValue(samples, 'db_busy_total')).toBe(1);
    expect(sampleValue(samples, 'graphql_errors_total', { code: 'DATABASE_BUSY' })).toBe(1);
    expect(sampleValue(samples, 'graphql_request_duration_seconds_count', { operation: 'anonymous', outcome: 'DATABASE_BUSY' })).toBe(1);
    expect(sampleValue(samples, 'db_pool_acquire_wait_seconds_count')).toBeGreaterThanOrEqual(1);
  });

  it('calls a full pool saturated, not the database unreachable, when the probe times out behind it', async () => {
    api = await startTestServer(`${handle.database.url}?connection_limit=1&pool_timeout=5`);
    const held = await api.db.pool.connect();
    try {
      const started = performance.now();
      expect(await ready(api)).toMatchObject({ status: 503, body: { reason: 'pool saturated' } });
      expect(performance.now() - started).toBeLessThan(1500);
    } finally {
      held.release();
    }
  });
});
