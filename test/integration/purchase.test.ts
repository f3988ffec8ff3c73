import pg from 'pg';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';
import { invoiceAnomalies, sql } from '../helpers/sql';

const env = useTestApi();
let customer: Record<string, string>;
let otherCustomer: Record<string, string>;
let employee: Record<string, string>;
let tracks: Array<{ id: number; price: string }>;
beforeAll(async () => {
  customer = await authAs({ role: 'customer', customerId: 5 });
  otherCustomer = await authAs({ role: 'customer', customerId: 6 });
  employee = await authAs({ role: 'employee', employeeId: 1 });
  tracks = (await sql(env.database.url, 'SELECT track_id AS id, unit_price::text AS price FROM track ORDER BY track_id LIMIT 120')) as typeof tracks;
});

const PURCHASE = `mutation ($input: PurchaseInput!) {
  purchase(input: $input) { replayed invoice { id total billingCountry customer { id } lines(first: 100) { nodes { quantity unitPrice track { id } } } } }
}`;
let keys = 0;
const newKey = () => `key-${process.pid}-${++keys}`;
const buy = (input: Record<string, unknown>, who = customer) => env.api.query(PURCHASE, { input: { idempotencyKey: newKey(), ...input } }, who);
const cents = (price: string) => Math.round(Number(price) * 100);


describe('purchase', () => {
  it('creates the invoice and its lines, priced from the catalog, with the exact total', async () => {
    const items = [
      { trackId: tracks[0].id, quantity: 2 },
      { trackId: tracks[1].id },
      { trackId: tracks[2].id, quantity: 3 },
    ];
    const res = await buy({ items });
    expect(res.errors).toBeUndefined();
    const { invoice, replayed } = res.data.purchase;
    expect(replayed).toBe(false);
    expect(invoice.customer.id).toBe('5');
    expect(invoice.lines.nodes).toEqual([
      { quantity: 2, unitPrice: tracks[0].price, track: { id: String(tracks[0].id) } },
      { quantity: 1, unitPrice: tracks[1].price, track: { id: String(tracks[1].id) } },
      { quantity: 3, unitPrice: tracks[2].price, track: { id: String(tracks[2].id) } },
    ]);
    const expected = 2 * cents(tracks[0].price) + cents(tracks[1].price) + 3 * cents(tracks[2].price);
    expect(invoice.total).toBe((expected / 100).toFixed(2));
  });

  it('merges a track given twice into one line, quantities added', async () => {
    const res = await buy({ items: [{ trackId: tracks[3].id, quantity: 2 }, { trackId: tracks[4].id }, { trackId: tracks[3].id }] });
    expect(res.errors).toBeUndefined();
    expect(res.data.purchase.invoice.lines.nodes.map((l: { quantity: number; track: { id: string } }) => [l.track.id, l.quantity])).toEqual([
      [String(tracks[3].id), 3],
      [String(tracks[4].id), 1],
    ]);
  });

  it('takes billing fields given and the customer’s address for the rest', async () => {
    const res = await buy({ items: [{ trackId: tracks[5].id }], billing: { country: 'Iceland' } });
    expect(res.errors).toBeUndefined();
    expect(res.data.purchase.invoice.billingCountry).toBe('Iceland');
  });

  it('refuses a bad quantity with BAD_USER_INPUT naming input.items[2].quantity', async () => {
    const res = await buy({ items: [{ trackId: tracks[0].id }, { trackId: tracks[1].id }, { trackId: tracks[2].id, quantity: 0 }] });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.items[2].quantity' });
    expect(res.data).toBeNull();
  });

  it('refuses an empty basket and a bad track id', async () => {
    expect((await buy({ items: [] })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.items' });
    expect((await buy({ items: [{ trackId: 'x' }] })).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.items[0].trackId' });
  });

  it('answers NOT_FOUND naming unknown tracks, and buys nothing', async () => {
    const idempotencyKey = newKey();
    const res = await env.api.query(PURCHASE, { input: { idempotencyKey, items: [{ trackId: tracks[0].id }, { trackId: 99_999_999 }] } }, customer);
    expect(res.errors?.[0]).toMatchObject({ message: 'Track 99999999 not found', extensions: { code: 'NOT_FOUND', argumentName: 'input.items[1].trackId' } });
    expect(await sql(env.database.url, 'SELECT 1 FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(0);
  });

  it('is for signed-in customers only', async () => {
    expect((await buy({ items: [{ trackId: tracks[0].id }] }, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await buy({ items: [{ trackId: tracks[0].id }] }, employee)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('shows in customer.totalSpent and the sales report as soon as it commits', async () => {
    const spent = async () => (await env.api.query('{ customer(id: 5) { totalSpent } }', {}, employee)).data.customer.totalSpent as string;
    const report = async () =>
      (await env.api.query('{ salesReport(groupBy: COUNTRY) { key total } }', {}, employee)).data.salesReport as Array<{ key: string; total: string }>;
    const countryTotal = async () => (await report()).find((r) => r.key === 'Narnia')?.total ?? '0';
    const [before, beforeCountry] = [await spent(), await countryTotal()];
    const res = await buy({ items: [{ trackId: tracks[6].id, quantity: 4 }], billing: { country: 'Narnia' } });
    expect(res.errors).toBeUndefined();
    const total = cents(res.data.purchase.invoice.total);
    expect(cents(await spent())).toBe(cents(before) + total);
    expect(cents(await countryTotal())).toBe(cents(beforeCountry) + total);
  });
});

describe('purchase idempotency', () => {
  it('returns the same invoice for the same key and basket, and CONFLICT for another basket', async () => {
    const idempotencyKey = newKey();
    const items = [{ trackId: tracks[7].id }, { trackId: tracks[8].id, quantity: 2 }];
    const first = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
    // The same basket in another order, as a retry after a lost answer would send it.
    const again = await env.api.query(PURCHASE, { input: { idempotencyKey, items: [...items].reverse() } }, customer);
    expect(again.errors).toBeUndefined();
    expect(again.data.purchase).toEqual({ ...first.data.purchase, replayed: true });
    const other = await env.api.query(PURCHASE, { input: { idempotencyKey, items: [{ trackId: tracks[9].id }] } }, customer);
    expect(other.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', argumentName: 'input.idempotencyKey', invoiceId: first.data.purchase.invoice.id });
    expect(await sql(env.database.url, 'SELECT invoice_id FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(1);
  });

  it('keeps keys per customer: another customer’s same key is another purchase', async () => {
    const idempotencyKey = newKey();
    const items = [{ trackId: tracks[10].id }];
    const mine = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
    const theirs = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, otherCustomer);
    expect(theirs.data.purchase.replayed).toBe(false);
    expect(theirs.data.purchase.invoice.id).not.toBe(mine.data.purchase.invoice.id);
  });

  it('makes exactly one invoice when ten requests with one key arrive at the same instant', async () => {
    const idempotencyKey = newKey();
    const items = [{ trackId: tracks[11].id }, { trackId: tracks[12].id }];
    const results = await Promise.all(Array.from({ length: 10 }, () => env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer)));
    for (const res of results) expect(res.errors).toBeUndefined();
    const ids = new Set(results.map((res) => res.data.purchase.invoice.id));
    expect(ids.size).toBe(1);
    expect(results.filter((res) => !res.data.purchase.replayed)).toHaveLength(1);
    expect(await sql(env.database.url, 'SELECT invoice_id FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(1);
  });
});

describe('purchase statements', () => {
  it('costs the same statements for 1 track as for 50', async () => {
    const one = await buy({ items: [{ trackId: tracks[20].id }] });
    const fifty = await buy({ items: tracks.slice(21, 71).map((t) => ({ trackId: t.id })) });
    expect(one.errors).toBeUndefined();
    expect(fifty.errors).toBeUndefined();
    expect(fifty.data.purchase.invoice.lines.nodes).toHaveLength(50);
    expect(fifty.telemetry.statements).toBe(one.telemetry.statements);
    // The purchase; then the payload: invoice, customer, a page of lines.
    expect(one.telemetry.statements).toBeLessThanOrEqual(4);
    // The purchase holds one connection; the payload's reads after it, up to two at once.
    expect(one.telemetry.peakConnections).toBeLessThanOrEqual(2);
    const bare = (items: Array<{ trackId: number }>) => env.api.query('mutation ($input: PurchaseInput!) { purchase(input: $input) { replayed } }', { input: { idempotencyKey: newKey(), items } }, customer);
    const [bareOne, bareFifty] = [await bare([{ trackId: tracks[71].id }]), await bare(tracks.slice(21, 71).map((t) => ({ trackId: t.id })))];
    // One statement inserts the invoice and its lines: a transaction of its own.
    expect(bareOne.telemetry.statements).toBe(1);
    expect(bareFifty.telemetry.statements).toBe(1);
    expect(bareFifty.telemetry.peakConnections).toBe(1);
    console.log(`purchase statements: 1 track ${one.telemetry.statements}, 50 tracks ${fifty.telemetry.statements} (with the payload); bare ${bareOne.telemetry.statements} and ${bareFifty.telemetry.statements}`);
  });
});

describe('nothing half-written', () => {
  it('refuses, at commit, an invoice whose total disagrees with its lines', async () => {
    const client = new pg.Client({ connectionString: env.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const [{ invoice_id }] = (await client.query("INSERT INTO invoice (customer_id, invoice_date, total) VALUES (5, now(), 10.00) RETURNING invoice_id")).rows;
      await client.query('INSERT INTO invoice_line (invoice_id, track_id, unit_price, quantity) VALUES ($1, $2, 0.99, 1)', [invoice_id, tracks[0].id]);
      await expect(client.query('COMMIT')).rejects.toMatchObject({ code: '23514', constraint: 'invoice_total_matches_lines' });
    } finally {
      await client.end();
    }
  });

  it('refuses, at commit, an invoice without lines', async () => {
    await expect(sql(env.database.url, 'INSERT INTO invoice (customer_id, invoice_date, total) VALUES (5, now(), 0)')).rejects.toMatchObject({ code: '23514' });
  });

  it('leaves no invoice when the last line of a purchase fails, and the same key succeeds afterwards', async () => {
    const last = tracks[80].id;
    await sql(
      env.database.url,
      `CREATE FUNCTION fail_line() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'line refused'; END $$;
       CREATE TRIGGER fail_line BEFORE INSERT ON invoice_line FOR EACH ROW WHEN (NEW.track_id = ${last}) EXECUTE FUNCTION fail_line();`,
    );
    const idempotencyKey = newKey();
    const items = [{ trackId: tracks[78].id }, { trackId: tracks[79].id }, { trackId: last }];
    try {
      const failed = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
      expect(failed.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(await sql(env.database.url, 'SELECT 1 FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(0);
    } finally {
      await sql(env.database.url, 'DROP TRIGGER fail_line ON invoice_line; DROP FUNCTION fail_line()');
    }
    const retried = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
    expect(retried.errors).toBeUndefined();
    expect(retried.data.purchase).toMatchObject({ replayed: false, invoice: { lines: { nodes: [{}, {}, {}] } } });
  });

  it('buys once when the client hangs up before its answer and retries, at any moment', async () => {
    for (const [i, waitMs] of [0, 5, 20, 60, 200].entries()) {
      const idempotencyKey = newKey();
      const input = { idempotencyKey, items: [{ trackId: tracks[100 + i].id }, { trackId: tracks[110 + i].id, quantity: 2 }] };
      const controller = new AbortController();
      const lost = fetch(env.api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...customer },
        body: JSON.stringify({ query: PURCHASE, variables: { input } }),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      controller.abort();
      await lost;
      const retried = await env.api.query(PURCHASE, { input }, customer);
      expect(retried.errors).toBeUndefined();
      expect(await sql(env.database.url, 'SELECT 1 FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(1);
    }
  });

  it('leaves no invoice when its backend is terminated mid-purchase, and the retry buys once', async () => {
    const idempotencyKey = newKey();
    const items = tracks.slice(90, 100).map((t) => ({ trackId: t.id }));
    const blocker = new pg.Client({ connectionString: env.database.url });
    await blocker.connect();
    try {
      // Holding this lock stops the purchase's insert inside its transaction, where we catch it.
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE invoice_line IN SHARE MODE');
      const pending = env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
      let terminated = 0;
      for (let i = 0; i < 100 && terminated === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const rows = await sql(
          env.database.url,
          "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO invoice%'",
        );
        terminated = rows.filter((r) => r.ok).length;
      }
      expect(terminated).toBe(1);
      const res = await pending;
      expect(res.errors?.[0].extensions?.code).toBe('DATABASE_UNAVAILABLE');
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
    }
    expect(await sql(env.database.url, 'SELECT 1 FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(0);
    const retried = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
    expect(retried.errors).toBeUndefined();
    expect(retried.data.purchase.replayed).toBe(false);
    const again = await env.api.query(PURCHASE, { input: { idempotencyKey, items } }, customer);
    expect(again.data.purchase).toEqual({ ...retried.data.purchase, replayed: true });
    expect(await sql(env.database.url, 'SELECT 1 FROM invoice WHERE idempotency_key = $1', [idempotencyKey])).toHaveLength(1);
  });
});

describe('after all of the above', () => {
  it('holds no invoice without lines and no total that disagrees with its lines', async () => {
    expect(await invoiceAnomalies(env.database.url)).toEqual({ withoutLines: [], badTotals: [] });
  });
});
