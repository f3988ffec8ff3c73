import pg from 'pg';
import { serverConnections, useTestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { sql } from '../helpers/sql';

const handle = useTestDatabase();
let blocker: pg.Client;

// A lock on album holds every statement that reads it, as a slow query would.
async function lockAlbums(): Promise<void> {
  blocker = new pg.Client({ connectionString: handle.database.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
}
async function unlock(): Promise<void> {
  await blocker.query('ROLLBACK');
  await blocker.end();
}
const waitingOnLock = async (app: string) => {
  const { rows } = await blocker.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [app]);
  return rows[0].n as number;
};
const ALBUMS = `{ albums(first: 5) { nodes { title } } }`;


describe('time bounds', () => {
  let api: TestServer;
  afterEach(async () => {
    await api?.stop();
  });

  // Starts a server with `env`, then sends ALBUMS while album is locked: its answer, how
  // long it took and how many of the server's statements still wait on the lock after.
  async function albumsWhileLocked(applicationName: string, env: Record<string, string>) {
    api = await startTestServer(`${handle.database.url}?connection_limit=2&application_name=${applicationName}`, { env });
    await api.query(ALBUMS); // the first query in a process starts Prisma's query compiler
    await lockAlbums();
    try {
      const started = Date.now();
      const res = await api.query(ALBUMS);
      return { res, elapsed: Date.now() - started, stillWaiting: await waitingOnLock(applicationName) };
    } finally {
      await unlock();
    }
  }

  it('cancels a statement past STATEMENT_TIMEOUT_MS with QUERY_TIMEOUT, 503 and Retry-After', async () => {
    const { res, elapsed, stillWaiting } = await albumsWhileLocked('t_statement', { STATEMENT_TIMEOUT_MS: '300' });
    expect(elapsed).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
    expect(stillWaiting).toBe(0);
    expect((await api.query(ALBUMS)).errors).toBeUndefined();
  });

  it('cancels the statements of a request past REQUEST_TIMEOUT_MS', async () => {
    const { res, elapsed, stillWaiting } = await albumsWhileLocked('t_deadline', { REQUEST_TIMEOUT_MS: '400', STATEMENT_TIMEOUT_MS: '60000' });
    expect(elapsed).toBeLessThan(2_000);
    expect(res.errors?.[0].extensions?.code).toBe('QUERY_TIMEOUT');
    expect(stillWaiting).toBe(0);
  });

  it('cancels the statements of a client that hangs up within 3 s, and keeps that connection for the next request', async () => {
    api = await startTestServer(`${handle.database.url}?connection_limit=1&application_name=t_hangup`, { env: { STATEMENT_TIMEOUT_MS: '60000', REQUEST_TIMEOUT_MS: '60000' } });
    await api.query(ALBUMS); // the first query in a process starts Prisma's query compiler
    await lockAlbums();
    let cancelledBackend: number;
    try {
      const aborter = new AbortController();
      const request = fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ALBUMS }), signal: aborter.signal }).catch(() => undefined);
      for (let i = 0; i < 50 && (await waitingOnLock('t_hangup')) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await waitingOnLock('t_hangup')).toBe(1);
      [{ pid: cancelledBackend }] = (await blocker.query("SELECT pid FROM pg_stat_activity WHERE application_name = 't_hangup' AND wait_event_type = 'Lock'")).rows;
      aborter.abort();
      await request;
      const started = Date.now();
      while ((await waitingOnLock('t_hangup')) > 0 && Date.now() - started < 3_000) await new Promise((r) => setTimeout(r, 50));
      expect(await waitingOnLock('t_hangup')).toBe(0);
      for (let i = 0; i < 20 && (api.server.operationsInFlight() > 0 || api.db.pool.idleCount < api.db.pool.totalCount); i++) await new Promise((r) => setTimeout(r, 50));
      expect(api.db.pool.idleCount).toBe(api.db.pool.totalCount);
    } finally {
      await unlock();
    }
    // The cancelled connection goes back to the pool once PostgreSQL has taken the cancel
    // request (not reopened: a hang-up costs no new connection), and the next request runs
    // on it without being cancelled in its turn.
    for (let i = 0; i < 5; i++) expect((await api.query(ALBUMS)).errors).toBeUndefined();
    const backends = (await sql(handle.database.url, "SELECT pid FROM pg_stat_activity WHERE application_name = 't_hangup'")).map((r) => r.pid);
    expect(backends).toEqual([cancelledBackend]);
  });
});
