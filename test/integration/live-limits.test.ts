import pg from 'pg';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';
import { sql } from '../helpers/sql';
import { rawSocket, type RawSocket } from '../helpers/live';

// Small bounds, so each is reached quickly.
const env = useTestApi({ env: { WS_KEEPALIVE_MS: '300', MAX_SUBSCRIPTIONS_PER_SOCKET: '3', MAX_SOCKETS_PER_TOKEN: '2', MAX_OPERATIONS_PER_SOCKET: '3', SUBSCRIBER_QUEUE_SIZE: '5' } });

const bearer = async (customerId: number) => (await authAs({ role: 'customer', customerId })).authorization;
const health = async () => ((await (await fetch(env.api.url.replace("/graphql", "/health"))).json()) as { live: any }).live;
const until = async (check: () => Promise<boolean>, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

const opened: RawSocket[] = [];
afterEach(() => {
  for (const raw of opened.splice(0)) raw.socket.terminate();
});

async function signedIn(customerId = 1) {
  const raw = await rawSocket(env.api.url);
  opened.push(raw);
  raw.send({ type: 'connection_init', payload: { authorization: await bearer(customerId) } });
  await raw.waitFor('connection_ack');
  return raw;
}

let playlistId: number;
beforeAll(async () => {
  const employee = await authAs({ role: 'employee', employeeId: 1 });
  const created = await env.api.query('mutation { createPlaylist(input: { name: "Big" }) { playlist { id } } }', {}, employee);
  playlistId = Number(created.data.createPlaylist.playlist.id);
  const tracks = await sql(env.database.url, 'SELECT track_id FROM track ORDER BY track_id LIMIT 100');
  await env.api.query('mutation ($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds } }', { input: { playlistId, trackIds: tracks.map((t) => t.track_id) } }, employee);
});

test('a socket holds at most MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions', async () => {
  const raw = await signedIn();
  for (const id of ['1', '2', '3', '4']) raw.send({ id, type: 'subscribe', payload: { query: 'subscription ($id: ID!) { playlistChanged(id: $id) { kind } }', variables: { id: String(playlistId) } } });
  const refused = await raw.waitFor('error', '4');
  expect(refused.payload[0].extensions).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', max: 3 });
  // Completing one makes room again.
  raw.send({ id: '1', type: 'complete' });
  await until(async () => (await health()).subscriptions === 2);
  raw.send({ id: '5', type: 'subscribe', payload: { query: 'subscription ($id: ID!) { playlistChanged(id: $id) { kind } }', variables: { id: String(playlistId) } } });
  await until(async () => (await health()).subscriptions === 3);
  raw.socket.close();
  await until(async () => (await health()).subscriptions === 0);
});

test('a user opens at most MAX_SOCKETS_PER_TOKEN sockets, whatever tokens or spellings; closing one frees its place', async () => {
  const first = await signedIn(2);
  const second = await signedIn(2);
  // Another token of the same customer, and "bearer" spelt otherwise, count alike.
  for (const authorization of [(await authAs({ role: 'customer', customerId: 2 }, '2h')).authorization, (await bearer(2)).replace('Bearer', 'bearer ')]) {
    const third = await rawSocket(env.api.url);
    opened.push(third);
    third.send({ type: 'connection_init', payload: { authorization } });
    expect((await third.closed).code).toBe(4029);
  }
  first.socket.close();
  await until(async () => (await health()).sockets === 1);
  const again = await signedIn(2);
  again.socket.close();
  second.socket.close();
  await until(async () => (await health()).sockets === 0);
});

test('a socket has at most MAX_OPERATIONS_PER_SOCKET queries in flight, and an id in flight cannot be reused', async () => {
  const raw = await signedIn(6);
  const blocker = new pg.Client({ connectionString: env.database.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
    for (const id of ['1', '2', '3', '4']) raw.send({ id, type: 'subscribe', payload: { query: '{ albums(first: 1) { nodes { title } } }' } });
    const refused = await raw.waitFor('error', '4');
    expect(refused.payload[0].extensions).toMatchObject({ code: 'TOO_MANY_OPERATIONS', max: 3 });
    // A client that completes an id still in flight and sends it again is refused, not doubled.
    raw.send({ id: '1', type: 'complete' });
    raw.send({ id: '1', type: 'subscribe', payload: { query: '{ version }' } });
    expect((await raw.waitFor('error', '1')).payload[0].extensions.code).toBe('BAD_USER_INPUT');
  } finally {
    await blocker.query('COMMIT');
    await blocker.end();
  }
  await raw.waitFor('next', '2');
  await raw.waitFor('next', '3');
  await until(async () => ((await (await fetch(env.api.url.replace('/graphql', '/health'))).json()) as { operationsInFlight: number }).operationsInFlight === 0);
});

test('protocol mistakes are the client\'s (4400); a ping is answered without its payload', async () => {
  const raw = await rawSocket(env.api.url);
  opened.push(raw);
  raw.send({ type: 'ping', payload: { big: 'x'.repeat(100_000) } });
  const pong = await raw.waitFor('pong');
  expect(pong.payload).toBeUndefined();
  raw.send({ type: 'connection_ack' });
  expect((await raw.closed).code).toBe(4400);
});

test('a subscription keeps only the variables it declares, and at most 4 kB of them', async () => {
  const raw = await signedIn(7);
  raw.send({ id: '1', type: 'subscribe', payload: { query: 'subscription ($id: ID!) { playlistChanged(id: $id) { kind } }', variables: { id: '1'.repeat(5_000) } } });
  expect((await raw.waitFor('error', '1')).payload[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'variables' });
  // Undeclared variables are dropped, whatever their size.
  raw.send({ id: '2', type: 'subscribe', payload: { query: 'subscription ($id: ID!) { playlistChanged(id: $id) { kind } }', variables: { id: String(playlistId), junk: 'x'.repeat(100_000) } } });
  await until(async () => (await health()).subscriptions === 1);
  expect((await health()).subscriptions).toBe(1);
});

test('a client that vanishes without a close frame is found by ping/pong and everything it held is freed', async () => {
  const raw = await signedIn(3);
  raw.send({ id: '1', type: 'subscribe', payload: { query: 'subscription { invoiceCreated { id } }' } });
  await until(async () => (await health()).subscriptions === 1);
  // The client stops reading: no pong answers the server's pings, as when its host vanished.
  (raw.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  const started = Date.now();
  await until(async () => {
    const live = await health();
    return live.sockets === 0 && live.subscriptions === 0;
  }, 3_000);
  expect(Date.now() - started).toBeLessThan(2_000);
  raw.socket.terminate();
});

test('when the LISTEN connection drops, subscribers get EVENTS_MISSED, and events flow again after it reconnects', async () => {
  const raw = await signedIn(5);
  raw.send({ id: '1', type: 'subscribe', payload: { query: 'subscription ($id: ID!) { playlistChanged(id: $id) { kind playlist { name } } }', variables: { id: String(playlistId) } } });
  await until(async () => (await health()).subscriptions === 1);
  const database = new URL(env.database.url).pathname.slice(1);
  const [cut] = await sql(env.database.url, "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name LIKE '% listener' AND datname = $1", [database]);
  expect(cut.n).toBe(1);
  const missed = await raw.waitFor('next', '1');
  expect(missed.payload.errors[0].extensions).toMatchObject({ code: 'EVENTS_MISSED' });
  expect((await health()).listener).toBe('listening');
  const employee = await authAs({ role: 'employee', employeeId: 1 });
  await env.api.query('mutation ($input: RenamePlaylistInput!) { renamePlaylist(input: $input) { playlist { id } } }', { input: { playlistId, name: 'After the gap' } }, employee);
  await until(async () => raw.messages.some((m) => m.payload?.data?.playlistChanged?.playlist?.name === 'After the gap'));
  raw.socket.close();
});

describe('with no pings (so only the queue bound can cut a client that does not read)', () => {
  const quiet = useTestApi({ env: { WS_KEEPALIVE_MS: '0', SUBSCRIBER_QUEUE_SIZE: '5' } });
  const quietHealth = async () => ((await (await fetch(quiet.api.url.replace('/graphql', '/health'))).json()) as { live: any }).live;

  test('a client that never signs in and never reads is cut soon after its 4408, freeing its slot', async () => {
  const raw = await rawSocket(quiet.api.url);
  opened.push(raw);
  (raw.socket as unknown as { _socket: { pause(): void } })._socket.pause();
  await until(async () => (await quietHealth()).sockets === 1, 1_000);
  await until(async () => (await quietHealth()).sockets === 0, 6_000);
  expect((await quietHealth()).sockets).toBe(0);
});

  test('a subscriber that does not read is cut off at its queue bound (4008); memory stays bounded', async () => {
    const employee = await authAs({ role: 'employee', employeeId: 1 });
    const created = await quiet.api.query('mutation { createPlaylist(input: { name: "Big" }) { playlist { id } } }', {}, employee);
    const id = Number(created.data.createPlaylist.playlist.id);
    const tracks = await sql(quiet.database.url, 'SELECT track_id FROM track ORDER BY track_id LIMIT 100');
    await quiet.api.query('mutation ($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds } }', { input: { playlistId: id, trackIds: tracks.map((t) => t.track_id) } }, employee);
    const raw = await rawSocket(quiet.api.url);
    opened.push(raw);
    raw.send({ type: 'connection_init', payload: { authorization: await bearer(4) } });
    await raw.waitFor('connection_ack');
    // About 400 kB a result: the socket's buffers fill after a few dozen.
    const big = Array.from({ length: 20 }, (_, i) => `p${i}: playlist { name tracks(first: 100) { nodes { name composer album { title artist { name } } } } }`).join(' ');
    raw.send({ id: '1', type: 'subscribe', payload: { query: `subscription ($id: ID!) { playlistChanged(id: $id) { kind ${big} } }`, variables: { id: String(id) } } });
    const until = async (check: () => Promise<boolean>, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      return check();
    };
    expect(await until(async () => (await quietHealth()).subscriptions === 1)).toBe(true);
    (raw.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const rssBefore = process.memoryUsage().rss;
    let renames = 0;
    while (renames < 300 && (await quietHealth()).sockets > 0) {
      await quiet.api.query('mutation ($input: RenamePlaylistInput!) { renamePlaylist(input: $input) { playlist { id } } }', { input: { playlistId: id, name: `Big ${renames++}` } }, employee);
    }
    expect(await until(async () => (await quietHealth()).sockets === 0 && (await quietHealth()).subscriptions === 0)).toBe(true);
    const metrics = await (await fetch(quiet.api.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/^ws_slow_consumer_closes_total 1$/m);
    expect(renames).toBeLessThan(300);
    // Bounded by the queue and the socket's buffers, not by the events sent.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });
});
