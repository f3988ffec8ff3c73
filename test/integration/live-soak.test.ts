import { readdirSync } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { authAs } from '../helpers/tokens';
import { collectGarbage, killApiProcesses, residentBytes, startApiProcess, type ApiProcess } from '../helpers/process';
import { connect, rawSocket, subscribe, type RawSocket } from '../helpers/live';

/*
 * Subscribe, then leave: abruptly (the TCP connection destroyed, no close frame) or
 * politely (the subscription completed). After thousands of such clients, everything the
 * server held for them must be back where it started: sockets, subscriptions and their
 * topics, per-token counts, pooled connections, file descriptors, and memory. The server
 * runs in a process of its own, so its memory is its own; its inspector runs the GC.
 */
let database: TestDatabase;
let api: ApiProcess;
const CUSTOMERS = 50;
const tokens: string[] = [];
let playlistId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  api = await startApiProcess({ DATABASE_URL: database.url, LOG_LEVEL: 'warn' }, 60_000, ['--inspect=127.0.0.1:0']);
  for (let id = 1; id <= CUSTOMERS; id++) tokens.push((await authAs({ role: 'customer', customerId: id })).authorization);
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authAs({ role: 'employee', employeeId: 1 })) },
    body: JSON.stringify({ query: 'mutation { createPlaylist(input: { name: "Soak" }) { playlist { id } } }' }),
  });
  playlistId = ((await res.json()) as any).data.createPlaylist.playlist.id;
});
afterAll(async () => {
  killApiProcesses();
  await database?.drop();
});

const QUERY = 'subscription ($id: ID!) { playlistChanged(id: $id) { kind playlist { name tracks(first: 10) { nodes { name } } } } }';

async function held() {
  const health = (await (await fetch(api.url.replace('/graphql', '/health'))).json()) as { live: Record<string, number>; pool: Record<string, number> };
  return {
    sockets: health.live.sockets,
    subscriptions: health.live.subscriptions,
    topics: health.live.topics,
    tokens: health.live.tokens,
    checkedOut: health.pool.size - health.pool.idle,
    waiting: health.pool.waiting,
    operations: (health as unknown as { operationsInFlight: number }).operationsInFlight,
  };
}
const fds = () => readdirSync(`/proc/${api.child.pid}/fd`).length;

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

// Opens `count` sockets, each subscribed, once the previous batch is gone, and waits until all are registered.
async function subscribed(count: number, offset: number): Promise<RawSocket[]> {
  await until(async () => (await held()).subscriptions === 0);
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const raw = await rawSocket(api.url);
      raw.send({ type: 'connection_init', payload: { authorization: tokens[(offset + i) % CUSTOMERS] } });
      await raw.waitFor('connection_ack');
      raw.send({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { id: playlistId } } });
      return raw;
    }),
  );
  await until(async () => (await held()).subscriptions === count);
  expect((await held()).subscriptions).toBe(count);
  return sockets;
}
const destroy = (raw: RawSocket) => (raw.socket as unknown as { _socket: { destroy(): void } })._socket.destroy();

async function atRest() {
  await collectGarbage(api.output());
  return residentBytes(api.child.pid!);
}

test('1,000 abrupt disconnects and 1,000 completions, 50 and then 200 sockets at once, leave nothing behind, and memory where it was', async () => {
  // Warm up (compiled operation, token cache, loaders), then take the baseline at rest.
  for (let round = 0; round < 3; round++) for (const raw of await subscribed(50, round * 50)) destroy(raw);
  const idle = { sockets: 0, subscriptions: 0, topics: 0, tokens: 0, checkedOut: 0, waiting: 0, operations: 0 };
  await until(async () => JSON.stringify(await held()) === JSON.stringify(idle));
  const fdStart = fds();
  const rssStart = await atRest();

  // 1,000 cycles each way, 50 sockets at a time, then 1,000 each way 200 at a time.
  for (const size of [50, 200]) {
    // Abrupt: the TCP connection is destroyed after the subscription registered; no close frame.
    for (let batch = 0; batch < 1_000 / size; batch++) for (const raw of await subscribed(size, batch * size)) destroy(raw);
    // Polite: graphql-ws clients that complete their subscription and disconnect.
    for (let batch = 0; batch < 1_000 / size; batch++) {
      const clients = Array.from({ length: size }, (_, i) => connect(api.url, tokens[(batch * size + i) % CUSTOMERS]));
      const subs = clients.map((client) => subscribe(client, QUERY, { id: playlistId }));
      await until(async () => (await held()).subscriptions === size);
      expect((await held()).subscriptions).toBe(size);
      subs.forEach((s) => s.dispose());
      await Promise.all(clients.map((client) => client.dispose()));
      await until(async () => (await held()).sockets === 0);
    }
  }

  await until(async () => JSON.stringify(await held()) === JSON.stringify(idle));
  expect(await held()).toEqual(idle);
  await until(async () => fds() <= fdStart);
  expect(fds()).toBeLessThanOrEqual(fdStart);
  const grown = (await atRest()) - rssStart;
  console.log(`live soak: the server's RSS at rest grew ${(grown / 1024 / 1024).toFixed(1)} MB over 4,000 subscribers (file descriptors ${fdStart} → ${fds()})`);
  expect(grown).toBeLessThan(30 * 1024 * 1024);
}, 300_000);

test('a subscription still works after the soak', async () => {
  const client = connect(api.url, tokens[0]);
  const s = subscribe(client, QUERY, { id: playlistId });
  await until(async () => (await held()).subscriptions === 1);
  await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authAs({ role: 'employee', employeeId: 1 })) },
    body: JSON.stringify({ query: `mutation { renamePlaylist(input: { playlistId: "${playlistId}", name: "Soaked" }) { playlist { id } } }` }),
  });
  expect((await s.next()).data.playlistChanged.playlist.name).toBe('Soaked');
  s.dispose();
  await client.dispose();
});
