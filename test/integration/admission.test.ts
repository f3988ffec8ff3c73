import pg from 'pg';
import { useTestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';

const handle = useTestDatabase();

describe('admission control', () => {
  let api: TestServer;
  afterAll(async () => {
    await api?.stop();
  });

  it('queues heavy operations past MAX_CONCURRENT_COST, refuses them with SERVER_BUSY after ADMISSION_WAIT_MS, and lets cheap ones through', async () => {
    // Heavy means over 1,000 rows: a page of 100 nested twice is 1 + 100 × (1 + 1 + 100 × 1) = 10,201.
    const heavy = `{ albums(first: 100) { nodes { title tracks(first: 100) { nodes { name } } } } }`;
    api = await startTestServer(`${handle.database.url}?connection_limit=4`, { env: { MAX_CONCURRENT_COST: '15000', ADMISSION_WAIT_MS: '300', STATEMENT_TIMEOUT_MS: '60000' } });
    expect((await api.query(heavy)).telemetry.cost).toBe(10_201);
    const blocker = new pg.Client({ connectionString: handle.database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
    try {
      // The first heavy operation is admitted and waits on the lock, holding its share.
      const first = api.query(heavy);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = Date.now();
      const second = await api.query(heavy);
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(second.errors?.[0].extensions?.code).toBe('SERVER_BUSY');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      // A cheap operation is not queued behind them (a track: no read of the locked table).
      const cheap = await api.query(`{ track(id: 1) { name } }`);
      expect(cheap.errors).toBeUndefined();
      await blocker.query('ROLLBACK');
      expect((await first).errors).toBeUndefined();
    } finally {
      await blocker.end();
    }
    // Capacity is given back: the next heavy operation runs.
    expect((await api.query(heavy)).errors).toBeUndefined();
  });
});
