import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';
import { sql } from '../helpers/sql';
import { connect, once, rawSocket, subscribe } from '../helpers/live';
import type { Client } from 'graphql-ws';

const env = useTestApi();
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});
const client = (authorization: string) => {
  const c = connect(env.api.url, authorization);
  clients.push(c);
  return c;
};
const bearer = async (principal: Parameters<typeof authAs>[0], expiresIn?: string) => (await authAs(principal, expiresIn)).authorization;

const INVOICES = 'subscription { invoiceCreated { id total customer { id } lines(first: 5) { nodes { track { name } } } } }';
const PLAYLIST = 'subscription ($id: ID!) { playlistChanged(id: $id) { kind playlistId playlist { name trackCount } tracks { id name } } }';

// Two customers with different support reps, and those reps.
let a: { customer: number; rep: number };
let b: { customer: number; rep: number };
let track: number;
beforeAll(async () => {
  const rows = await sql(env.database.url, 'SELECT DISTINCT ON (support_rep_id) customer_id, support_rep_id FROM customer WHERE support_rep_id IS NOT NULL ORDER BY support_rep_id, customer_id LIMIT 2');
  [a, b] = rows.map((r) => ({ customer: r.customer_id, rep: r.support_rep_id }));
  [{ track_id: track }] = await sql(env.database.url, 'SELECT min(track_id) AS track_id FROM track');
});

const buy = async (customerId: number, key: string) => {
  const res = await env.api.query('mutation ($input: PurchaseInput!) { purchase(input: $input) { invoice { id } } }', { input: { items: [{ trackId: track }], idempotencyKey: key } }, await authAs({ role: 'customer', customerId }));
  expect(res.errors).toBeUndefined();
  return Number(res.data.purchase.invoice.id);
};

describe('the socket handshake', () => {
  test('connection_init without a token closes with 4401', async () => {
    const raw = await rawSocket(env.api.url);
    raw.send({ type: 'connection_init' });
    expect((await raw.closed).code).toBe(4401);
  });

  test.each([
    ['a malformed header', 'Token abc'],
    ['a forged token', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0b21lcjoxIn0.c2lnbmF0dXJl'],
  ])('connection_init with %s closes with 4403', async (_, authorization) => {
    const raw = await rawSocket(env.api.url);
    raw.send({ type: 'connection_init', payload: { authorization } });
    const closed = await raw.closed;
    expect(closed.code).toBe(4403);
    expect(closed.reason).toMatch(/^Forbidden: /);
  });

  test('an expired token closes with 4403', async () => {
    const raw = await rawSocket(env.api.url);
    raw.send({ type: 'connection_init', payload: { authorization: await bearer({ role: 'customer', customerId: 1 }, '-1s') } });
    expect((await raw.closed).code).toBe(4403);
  });

  test('an upgrade to another path is refused; a socket that never sends connection_init is closed (4408)', async () => {
    await expect(rawSocket(env.api.url.replace('/graphql', '/elsewhere'))).rejects.toThrow('HTTP 404');
    const raw = await rawSocket(env.api.url, undefined);
    expect((await raw.closed).code).toBe(4408);
  });
});

describe('queries and mutations over the socket', () => {
  test('a query answers as over HTTP, through the same limits and error codes', async () => {
    const c = client(await bearer({ role: 'customer', customerId: a.customer }));
    const res = await once(c, 'query ($id: ID!) { album(id: $id) { title tracks(first: 2) { nodes { name } } } }', { id: '1' });
    const http = await env.api.query('query ($id: ID!) { album(id: $id) { title tracks(first: 2) { nodes { name } } } }', { id: '1' });
    expect(res.data).toEqual(http.data);

    const deep = await once(c, `{ albums(first: 1) { nodes { ${'artist { albums(first: 1) { nodes { '.repeat(8)}title${' } } }'.repeat(8)} } } }`).catch((errors) => ({ errors }));
    expect(deep.errors![0].extensions?.code).toBe('QUERY_TOO_DEEP');
    const costly = await once(c, '{ albums(first: 100) { nodes { tracks(first: 100) { nodes { playlists(first: 100) { nodes { name } } } } } } }').catch((errors) => ({ errors }));
    expect(costly.errors![0].extensions).toEqual({ code: 'QUERY_TOO_COSTLY', limit: 'MAX_COST', max: 25000, actual: expect.any(Number) });
    const forbidden = await once(c, `{ customer(id: "${b.customer}") { id } }`);
    expect(forbidden.errors![0].extensions?.code).toBe('FORBIDDEN');
    const invalid = await once(c, '{ nope }').catch((errors) => ({ errors }));
    expect(invalid.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test('a mutation over the socket writes, and answers as over HTTP', async () => {
    const c = client(await bearer({ role: 'customer', customerId: a.customer }));
    const res = await once(c, `mutation { purchase(input: { items: [{ trackId: ${track} }], idempotencyKey: "over-the-socket" }) { replayed invoice { customer { id } lines { nodes { track { id } } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.purchase).toEqual({ replayed: false, invoice: { customer: { id: String(a.customer) }, lines: { nodes: [{ track: { id: String(track) } }] } } });
    const bad = await once(c, 'mutation { purchase(input: { items: [], idempotencyKey: "k" }) { replayed } }');
    expect(bad.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.items' });
  });

  test('a subscription sent over HTTP is refused with a pointer to the socket', async () => {
    const res = await env.api.query(INVOICES);
    expect(res.status).toBe(400);
    expect(res.errors![0].message).toMatch(/WebSocket/);
  });
});

describe('invoiceCreated', () => {
  test('a purchase reaches its customer and the employees above them, and nobody else', async () => {
    const mine = subscribe(client(await bearer({ role: 'customer', customerId: a.customer })), INVOICES);
    const other = subscribe(client(await bearer({ role: 'customer', customerId: b.customer })), INVOICES);
    const rep = subscribe(client(await bearer({ role: 'employee', employeeId: a.rep })), INVOICES);
    const otherRep = subscribe(client(await bearer({ role: 'employee', employeeId: b.rep })), INVOICES);
    const top = subscribe(client(await bearer({ role: 'employee', employeeId: 1 })), INVOICES);
    await new Promise((resolve) => setTimeout(resolve, 200)); // subscribed

    const invoiceId = await buy(a.customer, `live-${Date.now()}`);
    for (const s of [mine, rep, top]) {
      const got = await s.next();
      expect(got.errors).toBeUndefined();
      expect(got.data.invoiceCreated).toMatchObject({ id: String(invoiceId), customer: { id: String(a.customer) } });
      expect(got.data.invoiceCreated.lines.nodes).toHaveLength(1);
    }
    // A purchase of B's then reaches B: A's subscription and the other rep saw nothing of A's.
    const second = await buy(b.customer, `live-b-${Date.now()}`);
    expect((await other.next()).data.invoiceCreated.id).toBe(String(second));
    expect((await otherRep.next()).data.invoiceCreated.id).toBe(String(second));
    expect((await top.next()).data.invoiceCreated.id).toBe(String(second));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(mine.results).toHaveLength(1);
    expect(rep.results).toHaveLength(1);
    expect(other.results).toHaveLength(1);
    expect(otherRep.results).toHaveLength(1);
  });

  test('a replayed purchase (same key) sends no second event', async () => {
    const mine = subscribe(client(await bearer({ role: 'customer', customerId: a.customer })), INVOICES);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const key = `replay-${Date.now()}`;
    await buy(a.customer, key);
    await buy(a.customer, key);
    await mine.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mine.results).toHaveLength(1);
  });

  test('a token that expires ends its subscriptions with UNAUTHENTICATED, and refuses new operations', async () => {
    const raw = await rawSocket(env.api.url);
    raw.send({ type: 'connection_init', payload: { authorization: await bearer({ role: 'customer', customerId: a.customer }, '2s') } });
    await raw.waitFor('connection_ack');
    raw.send({ id: '1', type: 'subscribe', payload: { query: INVOICES } });
    const end = await raw.waitFor('next', '1', 4_000);
    expect(end.payload.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await raw.waitFor('complete', '1');
    raw.send({ id: '2', type: 'subscribe', payload: { query: '{ version }' } });
    const refused = await raw.waitFor('error', '2');
    expect(refused.payload[0].extensions.code).toBe('UNAUTHENTICATED');
    // Then the socket closes, so a client reconnects with a fresh token.
    expect((await raw.closed).code).toBe(4403);
  });
});

describe('playlistChanged', () => {
  const employee = () => authAs({ role: 'employee', employeeId: 1 });
  const edit = async (query: string, input: Record<string, unknown>) => {
    const res = await env.api.query(query, { input }, await employee());
    expect(res.errors).toBeUndefined();
    return res.data;
  };

  test('every kind of change arrives, in order, read after its commit', async () => {
    const created = await edit('mutation ($input: CreatePlaylistInput!) { createPlaylist(input: $input) { playlist { id } } }', { name: 'Live one' });
    const id = created.createPlaylist.playlist.id;
    const s = subscribe(client(await bearer({ role: 'customer', customerId: a.customer })), PLAYLIST, { id });
    await new Promise((resolve) => setTimeout(resolve, 200));

    await edit('mutation ($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds } }', { playlistId: id, trackIds: [track, track + 1, track + 2] });
    await edit('mutation ($input: MoveTracksInPlaylistInput!) { moveTracksInPlaylist(input: $input) { playlist { id } } }', { playlistId: id, trackIds: [track + 2], position: 0 });
    await edit('mutation ($input: RemoveTracksFromPlaylistInput!) { removeTracksFromPlaylist(input: $input) { removedTrackIds } }', { playlistId: id, trackIds: [track + 1] });
    await edit('mutation ($input: RenamePlaylistInput!) { renamePlaylist(input: $input) { playlist { id } } }', { playlistId: id, name: 'Renamed live' });
    await edit('mutation ($input: DeletePlaylistInput!) { deletePlaylist(input: $input) { deletedPlaylistId } }', { playlistId: id });

    const kinds = [];
    for (let i = 0; i < 5; i++) kinds.push((await s.next()).data.playlistChanged);
    expect(kinds.map((k) => k.kind)).toEqual(['TRACKS_ADDED', 'TRACKS_REORDERED', 'TRACKS_REMOVED', 'RENAMED', 'DELETED']);
    expect(kinds[0].tracks.map((t: { id: string }) => Number(t.id))).toEqual([track, track + 1, track + 2]);
    expect(kinds[0].playlist).toEqual({ name: 'Live one', trackCount: 3 });
    expect(kinds[2].tracks.map((t: { id: string }) => Number(t.id))).toEqual([track + 1]);
    expect(kinds[3].playlist.name).toBe('Renamed live');
    expect(kinds[4].playlist).toBeNull();
  });

  test('an edit that changes nothing sends nothing; an unknown playlist is NOT_FOUND', async () => {
    const created = await edit('mutation ($input: CreatePlaylistInput!) { createPlaylist(input: $input) { playlist { id } } }', { name: 'Quiet' });
    const id = created.createPlaylist.playlist.id;
    const s = subscribe(client(await bearer({ role: 'customer', customerId: a.customer })), PLAYLIST, { id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await edit('mutation ($input: RemoveTracksFromPlaylistInput!) { removeTracksFromPlaylist(input: $input) { removedTrackIds } }', { playlistId: id, trackIds: [track] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.results).toHaveLength(0);

    const missing = subscribe(client(await bearer({ role: 'customer', customerId: a.customer })), PLAYLIST, { id: '999999' });
    expect((await missing.next()).errors![0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('fan-out', () => {
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(env.api.url.replace('/graphql', '/metrics'))).text())?.[1] ?? 0);
  const SELECTION = 'subscription ($id: ID!) { playlistChanged(id: $id) { kind playlist { name trackCount tracks(first: 20) { nodes { name album { title artist { name } } } } } } }';

  // The statements one rename costs all its subscribers, from the server's event_statements histogram.
  async function statementsPerEvent(subscribers: number, documents: string[] = [SELECTION]): Promise<number> {
    const employee = await authAs({ role: 'employee', employeeId: 1 });
    const created = await env.api.query('mutation { createPlaylist(input: { name: "Fan" }) { playlist { id } } }', {}, employee);
    const id = created.data.createPlaylist.playlist.id;
    await env.api.query(`mutation { addTracksToPlaylist(input: { playlistId: "${id}", trackIds: [${track}, ${track + 1}, ${track + 20}] }) { addedTrackIds } }`, {}, employee);
    // Up to 20 subscriptions a socket, each socket with a token of its own customer.
    const sockets = await Promise.all(
      Array.from({ length: Math.ceil(subscribers / 20) }, async (_, s) => {
        const raw = await rawSocket(env.api.url);
        raw.send({ type: 'connection_init', payload: { authorization: await bearer({ role: 'customer', customerId: (s % 50) + 1 }) } });
        await raw.waitFor('connection_ack');
        for (let i = s * 20; i < Math.min(subscribers, (s + 1) * 20); i++) {
          raw.send({ id: String(i), type: 'subscribe', payload: { query: documents[i % documents.length], variables: { id } } });
        }
        return raw;
      }),
    );
    const health = async () => ((await (await fetch(env.api.url.replace('/graphql', '/health'))).json()) as { live: { subscriptions: number } }).live.subscriptions;
    while ((await health()) < subscribers) await new Promise((resolve) => setTimeout(resolve, 20));
    const [sum, count] = [await metric('event_statements_sum'), await metric('event_statements_count')];
    await env.api.query(`mutation { renamePlaylist(input: { playlistId: "${id}", name: "Fanned" }) { playlist { id } } }`, {}, employee);
    const delivered = () => sockets.reduce((n, raw) => n + raw.messages.filter((m) => m.type === 'next').length, 0);
    const deadline = Date.now() + 10_000;
    while (delivered() < subscribers && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(delivered()).toBe(subscribers);
    for (const raw of sockets) {
      const names = raw.messages.filter((m) => m.type === 'next').map((m) => m.payload.data.playlistChanged.playlist.name);
      expect(new Set(names)).toEqual(new Set(['Fanned']));
    }
    expect(await metric('event_statements_count')).toBe(count + 1);
    sockets.forEach((raw) => raw.socket.close());
    return (await metric('event_statements_sum')) - sum;
  }

  test('an event costs its 1,000 subscribers the statements it costs one (statement budget: 3)', async () => {
    const one = await statementsPerEvent(1);
    const thousand = await statementsPerEvent(1_000);
    console.log(`statements per playlistChanged event: 1 subscriber ${one}, 1,000 subscribers ${thousand}`);
    // The playlist, its track count, its page of tracks (albums and their artists ride along).
    expect(one).toBe(3);
    expect(thousand).toBe(one);
  });

  test('subscribers with different documents of one class still share the loading', async () => {
    // Another document, resolved apart, whose rows are the same: the loaders of the class's
    // one operation scope load them once. (A page of other columns would be a statement more.)
    const other = 'subscription Other($id: ID!) { playlistChanged(id: $id) { playlistId playlist { trackCount name tracks(first: 20) { nodes { album { artist { name } title } name } } } } }';
    expect(await statementsPerEvent(100, [SELECTION, other])).toBe(3);
  });
});
