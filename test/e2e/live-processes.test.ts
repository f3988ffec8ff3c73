import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { authAs } from '../helpers/tokens';
import { killApiProcesses, startApiProcess, type ApiProcess } from '../helpers/process';
import { connect, rawSocket, subscribe } from '../helpers/live';
import { sql } from '../helpers/sql';
import type { Client } from 'graphql-ws';

/*
 * Two API processes on one database, as when the API scales out: an event committed through
 * one reaches subscribers on both, because each process LISTENs on its own connection.
 */
let database: TestDatabase;
let one: ApiProcess;
let two: ApiProcess;
const clients: Client[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  [one, two] = await Promise.all([
    startApiProcess({ DATABASE_URL: `${database.url}?application_name=e2e_live_one`, LOG_LEVEL: 'warn' }),
    startApiProcess({ DATABASE_URL: `${database.url}?application_name=e2e_live_two`, LOG_LEVEL: 'warn' }),
  ]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  killApiProcesses();
  await database?.drop();
});

const INVOICES = 'subscription { invoiceCreated { id customer { id } total } }';
const bearer = async (principal: Parameters<typeof authAs>[0]) => (await authAs(principal)).authorization;
const on = (api: ApiProcess, authorization: string) => {
  const client = connect(api.url, authorization);
  clients.push(client);
  return client;
};
const subscriptionsOn = async (api: ApiProcess) => ((await (await fetch(api.url.replace('/graphql', '/health'))).json()) as { live: { subscriptions: number } }).live.subscriptions;

const buy = async (api: ApiProcess, customerId: number, key: string) => {
  const [{ track_id: track }] = await sql(database.url, 'SELECT min(track_id) AS track_id FROM track');
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authAs({ role: 'customer', customerId })) },
    body: JSON.stringify({ query: `mutation { purchase(input: { items: [{ trackId: ${track} }], idempotencyKey: "${key}" }) { invoice { id } } }` }),
  });
  return ((await res.json()) as any).data.purchase.invoice.id as string;
};

test('a purchase through one process reaches an employee subscribed on the other within 1 s; customers see only their own', async () => {
  const [a, b] = await sql(database.url, 'SELECT DISTINCT ON (support_rep_id) customer_id, support_rep_id FROM customer WHERE support_rep_id IS NOT NULL ORDER BY support_rep_id, customer_id LIMIT 2');
  // Warm both processes up (connections, compiled operations) before anyone subscribes.
  await buy(one, b.customer_id, 'warm-up-one');
  await buy(two, b.customer_id, 'warm-up-two');
  const rep = subscribe(on(two, await bearer({ role: 'employee', employeeId: a.support_rep_id })), INVOICES);
  const buyerOnOne = subscribe(on(one, await bearer({ role: 'customer', customerId: a.customer_id })), INVOICES);
  const buyerOnTwo = subscribe(on(two, await bearer({ role: 'customer', customerId: a.customer_id })), INVOICES);
  const othersOnOne = subscribe(on(one, await bearer({ role: 'customer', customerId: b.customer_id })), INVOICES);
  const othersOnTwo = subscribe(on(two, await bearer({ role: 'customer', customerId: b.customer_id })), INVOICES);
  const deadline = Date.now() + 5_000;
  while (((await subscriptionsOn(one)) < 2 || (await subscriptionsOn(two)) < 3) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

  const started = Date.now();
  const invoiceId = await buy(one, a.customer_id, 'two-processes');

  const seen = await rep.next(1_000);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(seen.data.invoiceCreated).toMatchObject({ id: invoiceId, customer: { id: String(a.customer_id) } });
  expect((await buyerOnOne.next(1_000)).data.invoiceCreated.id).toBe(invoiceId);
  expect((await buyerOnTwo.next(1_000)).data.invoiceCreated.id).toBe(invoiceId);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(othersOnOne.results).toHaveLength(0);
  expect(othersOnTwo.results).toHaveLength(0);
});

test('SIGTERM closes sockets with 1001 once operations drain, and closes the LISTEN connection', async () => {
  const raw = await rawSocket(two.url);
  raw.send({ type: 'connection_init', payload: { authorization: await bearer({ role: 'customer', customerId: 1 }) } });
  await raw.waitFor('connection_ack');
  raw.send({ id: '1', type: 'subscribe', payload: { query: INVOICES } });
  const deadline = Date.now() + 5_000;
  while ((await subscriptionsOn(two)) < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));

  const listeners = async () =>
    (await sql(database.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE '% listener' AND datname = $1", [database.name]))[0].n;
  expect(await listeners()).toBe(2);

  // A query over the socket, held by a lock, is in flight when SIGTERM arrives.
  const blocker = new pg.Client({ connectionString: database.url });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
  raw.send({ id: '2', type: 'subscribe', payload: { query: '{ albums(first: 1) { nodes { title } } }' } });
  const inFlight = async () => ((await (await fetch(two.url.replace('/graphql', '/health'))).json()) as { operationsInFlight: number }).operationsInFlight;
  while ((await inFlight()) < 1) await new Promise((resolve) => setTimeout(resolve, 20));
  two.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(raw.messages.some((m) => m.id === '2')).toBe(false);
  await blocker.query('COMMIT');
  await blocker.end();

  const closed = await raw.closed;
  expect(closed.code).toBe(1001);
  // The query was answered before the socket closed.
  expect(raw.messages.find((m) => m.id === '2' && m.type === 'next').payload.data.albums.nodes).toHaveLength(1);
  expect(await two.exited).toBe(0);
  expect(await listeners()).toBe(1);
});
