import { peakConnectionsDuring, serverConnections, useTestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';

const NESTED = `{ albums(first: 50) { nodes { title artist { name } tracks(first: 10) { nodes { name genre { name } mediaType { name } } } } } }`;

const handle = useTestDatabase();

function poolUrl(params: string, applicationName: string): string {
  return `${handle.database.url}?${params}&application_name=${applicationName}`;
}

describe('connection_limit', () => {
  let api: TestServer;
  afterEach(async () => {
    await api?.stop();
  });

  it('serves 50 concurrent nested queries over 2 connections', async () => {
    api = await startTestServer(poolUrl('connection_limit=2', 'pool_limit_test'));
    expect(api.db.pool.usage.max).toBe(2);

    const { peak, result: results } = await peakConnectionsDuring(handle.database.name, 'pool_limit_test', () =>
      Promise.all(Array.from({ length: 50 }, () => api.query(NESTED))),
    );

    for (const res of results) {
      expect(res.errors).toBeUndefined();
      expect(res.data.albums.nodes).toHaveLength(50);
      expect(res.telemetry.peakConnections).toBeLessThanOrEqual(2);
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    expect(api.db.pool.totalCount).toBeLessThanOrEqual(2);
  });

  it('applies the defaults of Prisma when the URL has no pool parameters', async () => {
    api = await startTestServer(handle.database.url);
    const { cpus } = await import('node:os');
    expect(api.db.pool.usage.max).toBe(cpus().length * 2 + 1);
  });
});

describe('pool_timeout', () => {
  let api: TestServer;
  afterEach(async () => {
    await api?.stop();
  });

  it('fails fast with DATABASE_BUSY and HTTP 503 when no connection frees up', async () => {
    api = await startTestServer(poolUrl('connection_limit=1&pool_timeout=1', 'pool_timeout_test'));
    const held = await api.db.pool.connect();
    try {
      const started = Date.now();
      const res = await api.query(`{ artists(first: 1) { nodes { name } } }`);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].extensions?.code).toBe('DATABASE_BUSY');
      expect(JSON.stringify(res.errors)).not.toMatch(/timeout exceeded|at .*\.ts|SELECT/);
    } finally {
      held.release();
    }
    // The pool recovers as soon as the connection is back.
    const ok = await api.query(`{ artists(first: 1) { nodes { name } } }`);
    expect(ok.status).toBe(200);
    expect(ok.errors).toBeUndefined();
    expect(api.db.pool.usage).toMatchObject({ waiting: 0 });
  });
});

describe('per-request statement cap', () => {
  // Five loader batches at one level (the album, genre and media type ride in the list's statement).
  const FIVE_SIBLINGS = `{ tracks(first: 60) { nodes { album { trackCount durationMs } genre { trackCount } playlists(first: 2) { totalCount nodes { name } } } } }`;

  it('holds one connection at a time for a query with five sibling batches when capped at 1', async () => {
    const api = await startTestServer(poolUrl('connection_limit=10', 'cap_one_test'), { maxStatementsPerRequest: 1 });
    try {
      const res = await api.query(FIVE_SIBLINGS);
      expect(res.errors).toBeUndefined();
      expect(res.telemetry.batches.length).toBeGreaterThanOrEqual(5);
      expect(res.telemetry.peakConnections).toBe(1);
      // Sequential operations, each capped at one statement: the pool never needs a second connection.
      for (let i = 0; i < 5; i++) expect((await api.query(FIVE_SIBLINGS)).telemetry.peakConnections).toBe(1);
      expect(await serverConnections(handle.database.name, 'cap_one_test')).toBe(1);
    } finally {
      await api.stop();
    }
  });

  it('lets the same query use more connections when the cap allows', async () => {
    const api = await startTestServer(poolUrl('connection_limit=10', 'cap_five_test'), { maxStatementsPerRequest: 5 });
    try {
      const results = await Promise.all(Array.from({ length: 5 }, () => api.query(FIVE_SIBLINGS)));
      expect(Math.max(...results.map((r) => r.telemetry.peakConnections))).toBeGreaterThan(1);
    } finally {
      await api.stop();
    }
  });
});

describe('shutdown', () => {
  it('closes every server connection of the pool', async () => {
    const api = await startTestServer(poolUrl('connection_limit=4', 'pool_close_test'));
    await Promise.all(Array.from({ length: 8 }, () => api.query(NESTED)));
    expect(await serverConnections(handle.database.name, 'pool_close_test')).toBeGreaterThan(0);
    await api.stop();
    expect(await serverConnections(handle.database.name, 'pool_close_test')).toBe(0);
  });
});
