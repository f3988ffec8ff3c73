import { openDatabase } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { createLoaders } from '../../src/loaders';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

const env = useTestApi();

// The same connection under two response keys is not read beside its row (selectedPage),
// so `b` answers as every page did before: the oracle for `a`, read beside it. `around`
// is the query with `%` where the connection (with its selection) goes.
async function beside(around: string, connection: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const one: any = await env.api.query(around.replace('%', connection), variables, headers);
  const both: any = await env.api.query(around.replace('%', `a: ${connection} b: ${connection}`), variables, headers);
  expect(one.errors).toBeUndefined();
  expect(both.errors).toBeUndefined();
  return { one, both };
}

describe('a row and the connection selected on it, in one statement', () => {
  it("reads a customer's own invoices, and their lines inside them, beside the customer: one statement for three levels, answered as before", async () => {
    const customer = await authAs({ role: 'customer', customerId: 7 });
    const invoices = 'invoices(first: 10) { totalCount nodes { id total lines { nodes { quantity track { name } } } } }';
    const { one, both } = await beside('{ me { customer { id firstName % } } }', invoices, {}, customer);
    // the customer with its invoices and their lines; then the invoices' totalCount
    expect(one.telemetry.statements).toBe(2);
    expect(both.telemetry.statements).toBe(4);
    const { a, b, ...rest } = both.data.me.customer;
    expect(a).toEqual(b);
    expect(one.data.me.customer).toEqual({ ...rest, invoices: a });
    expect(a.nodes.length).toBeGreaterThan(0);
    // Without the count: one statement for three levels.
    const alone: any = await env.api.query(`{ me { customer { invoices(first: 10) { nodes { lines { nodes { track { name } } } } } } } }`, {}, customer);
    expect(alone.telemetry.statements).toBe(1);
    expect(alone.data.me.customer.invoices.nodes).toEqual(a.nodes.map((i: any) => ({ lines: { nodes: i.lines.nodes.map((l: any) => ({ track: l.track })) } })));
  });

  it('reads an album and a page of its tracks, with their joined relations and past a cursor, in one statement', async () => {
    const query = 'query ($after: String) { album(id: 1) { title % } }';
    const tracks = 'tracks(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { name genre { name } album { title artist { name } } } }';
    const first = await beside(query, tracks);
    expect(first.one.telemetry.statements).toBe(1);
    const after = first.one.data.album.tracks.pageInfo.endCursor;
    const { one, both } = await beside(query, tracks, { after });
    expect(one.telemetry.statements).toBe(1);
    expect(both.telemetry.statements).toBe(2);
    expect(one.data.album.tracks).toEqual(both.data.album.a);
    expect(both.data.album.a).toEqual(both.data.album.b);
    expect(one.data.album.tracks.nodes[0].name).not.toBe(first.one.data.album.tracks.nodes[0].name);
  });

  it('reads rows looked up at once (aliases) as before, rows in one statement and pages in another', async () => {
    const album = (id: number) => `album(id: ${id}) { title tracks(first: 2) { nodes { name } } }`;
    const together: any = await env.api.query(`{ a: ${album(1)} b: ${album(2)} c: ${album(3)} }`);
    expect(together.telemetry.statements).toBe(2);
    for (const [alias, id] of [['a', 1], ['b', 2], ['c', 3]] as const) {
      const alone: any = await env.api.query(`{ ${album(id)} }`);
      expect(alone.telemetry.statements).toBe(1);
      expect(together.data[alias]).toEqual(alone.data.album);
    }
  });

  it('reads a playlist in its own order and an artist from its last albums backward', async () => {
    for (const [query, connection] of [
      ['{ playlist(id: 1) { name % } }', 'tracks(first: 5) { nodes { id name } }'],
      ['{ artist(id: 2) { name % } }', 'albums(last: 2) { pageInfo { hasPreviousPage } nodes { title } }'],
    ]) {
      const { one, both } = await beside(query, connection);
      const row = Object.values(one.data)[0] as Record<string, unknown>;
      const oracle = Object.values(both.data)[0] as Record<string, unknown>;
      expect(one.telemetry.statements).toBe(1);
      expect(Object.values(row)[1]).toEqual(oracle.a);
    }
  });

  it('reads nothing ahead that is selected under a condition', async () => {
    const query = `query ($more: Boolean!) { album(id: 1) { title ... @include(if: $more) { tracks(first: 2) { nodes { name } } } } }`;
    const without: any = await env.api.query(query, { more: false });
    expect(without.data.album).toEqual({ title: expect.any(String) });
    expect(without.telemetry.batches.map((b: { loader: string }) => b.loader)).toEqual(['albumById']);
    const withIt: any = await env.api.query(query, { more: true });
    expect(withIt.data.album.tracks.nodes).toHaveLength(2);
    expect(withIt.telemetry.statements).toBe(2);
  });

  it('answers null for a row that is not there, and refuses a cursor of another row as its own resolver does', async () => {
    const missing: any = await env.api.query(`{ album(id: 999999) { title tracks { nodes { name } } } }`);
    expect(missing.data.album).toBeNull();
    expect(missing.telemetry.statements).toBe(1);
    const other: any = await env.api.query(`{ album(id: 2) { tracks(first: 1) { pageInfo { endCursor } } } }`);
    const refused: any = await env.api.query(`query ($after: String) { album(id: 1) { tracks(first: 2, after: $after) { nodes { name } } } }`, { after: other.data.album.tracks.pageInfo.endCursor });
    expect(refused.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it("still refuses an employee a customer they may not see, and reads no page for an empty one", async () => {
    const employee = await authAs({ role: 'employee', employeeId: 8 });
    const forbidden: any = await env.api.query(`{ customer(id: 1) { invoices { nodes { total } } } }`, {}, employee);
    expect(forbidden.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const empty: any = await env.api.query(`{ album(id: 1) { tracks(first: 0) { pageInfo { hasNextPage } nodes { name } } } }`);
    expect(empty.data.album.tracks).toEqual({ pageInfo: { hasNextPage: false }, nodes: [] });
  });
});

describe('PageLoader.withParent', () => {
  const database = () => openDatabase(`${env.database.url}?connection_limit=2`);
  const page = (name: string) => ({ size: 10, cursor: undefined, backward: false, scope: { name, types: ['Int', 'Int'] as ['Int', 'Int'] } });
  const key = { parentId: 7, page: page('Customer.invoices'), nested: { loader: 'linesByInvoiceId' as const, page: page('Invoice.lines'), select: { fields: ['id', 'quantity'], joins: [] } } };

  it('reads a row, its page and each child’s page alike on the pool and inside a transaction, as the pages read alone', async () => {
    const db = database();
    try {
      const alone = createLoaders(new RequestDb(db, 2));
      const invoices = await alone.invoicesByCustomerId.load(key);
      const lines = await Promise.all(invoices.nodes.map((i) => alone.linesByInvoiceId.load({ ...key.nested, parentId: i.id })));
      expect(lines.flatMap((l) => l.nodes).length).toBeGreaterThan(0);
      const read = async (request: RequestDb) => {
        const loaders = createLoaders(request);
        const customer = await loaders.invoicesByCustomerId.withParent('Customer', key, loaders.customerById);
        const before = request.stats.statements;
        const primed = {
          customer: await loaders.customerById.load(7),
          invoices: await loaders.invoicesByCustomerId.load(key),
          lines: await Promise.all(invoices.nodes.map((i) => loaders.linesByInvoiceId.load({ ...key.nested, parentId: i.id }))),
        };
        // Everything was primed by the one statement: no more were sent.
        expect(request.stats.statements).toBe(before);
        expect(primed.customer).toBe(customer);
        return primed;
      };
      const strip = (p: Awaited<ReturnType<typeof read>>) => JSON.parse(JSON.stringify({ ...p, invoices: p.invoices.nodes, lines: p.lines.map((l) => l.nodes) }));
      const expected = strip({ customer: await alone.customerById.load(7), invoices, lines });
      expect(strip(await read(new RequestDb(db, 2)))).toEqual(expected);
      expect(strip(await new RequestDb(db, 2).transaction((tx) => read(tx)))).toEqual(expected);
    } finally {
      await db.close();
    }
  });
});
