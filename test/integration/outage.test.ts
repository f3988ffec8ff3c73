import { createServer, type Server, type Socket, connect } from 'node:net';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';

/** A TCP hop between the API and PostgreSQL that can fail like a database going away. */
class FlakyLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined).on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Refuses new connections and cuts the open ones, as a stopped server does. */
  async down(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

let database: TestDatabase;
let link: FlakyLink;
let api: TestServer;
beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  link = new FlakyLink({ host: url.hostname, port: Number(url.port) });
  await link.up();
  url.port = String(link.port);
  api = await startTestServer(`${url}?connection_limit=4&pool_timeout=2&application_name=outage_test`);
});
afterAll(async () => {
  await api?.stop();
  await link?.down();
  await database?.drop();
});

const QUERY = `{ albums(first: 10) { nodes { title artist { name } tracks(first: 3) { nodes { name } } } } }`;

interface Outcome {
  status: number;
  code?: string;
  retryAfter: string | null;
}

// Clients sending operations back to back until `until` resolves.
async function load(until: Promise<void>, workers = 6): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let stop = false;
  void until.then(() => (stop = true));
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stop) {
        const res = await api.query(QUERY);
        outcomes.push({ status: res.status, code: res.errors?.[0]?.extensions?.code as string | undefined, retryAfter: res.headers.get('retry-after') });
      }
    }),
  );
  return outcomes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('database outages', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After while the database is gone, /ready follows, and both recover by itself', async () => {
    await api.query(QUERY);
    const ready = api.url.replace('/graphql', '/ready');
    // Before the load: under it, /ready may rightly say the pool is saturated.
    const readiness: number[] = [(await fetch(ready)).status];
    const outcomes = load(
      (async () => {
        await sleep(500);
        await link.down();
        await sleep(2_000);
        readiness.push((await fetch(ready)).status);
        await link.up();
        await sleep(1_500);
      })(),
    );
    const all = await outcomes;
    for (let i = 0; i < 30 && (await fetch(ready)).status !== 200; i++) await sleep(200);
    readiness.push((await fetch(ready)).status);
    expect(readiness).toEqual([200, 503, 200]);
    const failed = all.filter((o) => o.status !== 200 || o.code);
    expect(all.filter((o) => o.code === 'INTERNAL_SERVER_ERROR')).toEqual([]);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of failed) {
      expect(o.status).toBe(503);
      expect(o.retryAfter).toBe('1');
      expect(['DATABASE_UNAVAILABLE', 'DATABASE_BUSY']).toContain(o.code);
    }
    expect(failed.some((o) => o.code === 'DATABASE_UNAVAILABLE')).toBe(true);
    // Back without a restart of the API.
    const after = await api.query(QUERY);
    expect(after.status).toBe(200);
    expect(after.errors).toBeUndefined();
  });

  it('treats connections terminated by the server (restart, failover) as unavailable, not as a bug', async () => {
    const outcomes = load(
      (async () => {
        for (let i = 0; i < 5; i++) {
          await sleep(200);
          await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'outage_test'");
        }
        await sleep(500);
      })(),
    );
    const all = await outcomes;
    expect(all.filter((o) => o.code === 'INTERNAL_SERVER_ERROR')).toEqual([]);
    for (const o of all.filter((o) => o.code)) expect(o).toMatchObject({ status: 503, retryAfter: '1' });
    expect((await api.query(QUERY)).errors).toBeUndefined();
  });
});
