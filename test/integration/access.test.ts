import { SignJWT } from 'jose';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

const env = useTestApi();

// Seeded tree: 1 general manager → 2 sales manager → 3, 4, 5 agents; 1 → 6 IT manager → 7, 8.
// Customer n is supported by agent 3 + ((n + 2) % 3), so each agent has 20 of the 60.
const CUSTOMER_IDS = `{ customers(first: 100) { totalCount nodes { id supportRep { id } } } }`;

describe('who may see what', () => {
  it('lets anyone read the catalog', async () => {
    const res = await env.api.query(`{ artists(first: 1) { nodes { name } } playlists(first: 1) { nodes { name } } }`);
    expect(res.errors).toBeUndefined();
  });

  it('asks anonymous viewers to sign in for customers and invoices', async () => {
    for (const query of [CUSTOMER_IDS, `{ invoices { nodes { id } } }`, `{ invoice(id: 1) { id } }`, `{ customer(id: 1) { id } }`]) {
      const res = await env.api.query(query);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.data?.customers ?? res.data?.invoices ?? null).toBeNull();
    }
  });

  it('shows a customer only themself and their own invoices', async () => {
    const headers = await authAs({ role: 'customer', customerId: 5 });
    const me = await env.api.query(`{ me { role customer { id invoices(first: 100) { totalCount nodes { customer { id } } } } } }`, {}, headers);
    expect(me.data.me.role).toBe('CUSTOMER');
    expect(me.data.me.customer.id).toBe('5');
    const customers = await env.api.query(CUSTOMER_IDS, {}, headers);
    expect(customers.data.customers.nodes.map((c: any) => c.id)).toEqual(['5']);
    const invoices = await env.api.query(`{ invoices(first: 100) { totalCount nodes { customer { id } } } }`, {}, headers);
    expect(invoices.data.invoices.totalCount).toBe(me.data.me.customer.invoices.totalCount);
    for (const invoice of invoices.data.invoices.nodes) expect(invoice.customer.id).toBe('5');
  });

  it("refuses another customer's invoice and profile with FORBIDDEN", async () => {
    const headers = await authAs({ role: 'customer', customerId: 5 });
    const other = await env.api.query(`{ invoices(first: 1, filter: { customerId: 6 }) { nodes { id } } }`, {}, await authAs({ role: 'customer', customerId: 6 }));
    const invoiceId = other.data.invoices.nodes[0].id;
    const res = await env.api.query(`query ($id: ID!) { invoice(id: $id) { id total } }`, { id: invoiceId }, headers);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(res.data.invoice).toBeNull();
    const profile = await env.api.query(`{ customer(id: 6) { email } }`, {}, headers);
    expect(profile.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const staff = await env.api.query(`{ employees { nodes { id } } }`, {}, headers);
    expect(staff.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('shows employees to employees only, on every path to one', async () => {
    const customer = await authAs({ role: 'customer', customerId: 5 });
    const paths = [
      `{ me { customer { supportRep { firstName } } } }`,
      `{ customers(first: 1) { nodes { supportRep { email } } } }`,
      `{ invoices(first: 1) { nodes { customer { supportRep { birthDate } } } } }`,
    ];
    for (const query of paths) {
      const res = await env.api.query(query, {}, customer);
      expect({ query, code: res.errors?.[0].extensions?.code }).toEqual({ query, code: 'FORBIDDEN' });
      expect(JSON.stringify(res.data)).not.toMatch(/firstName|email|birthDate/);
    }
    const employee = await env.api.query(`{ me { employee { reportsTo { id } reports { nodes { id } } } } customers(first: 1) { nodes { supportRep { id } } } }`, {}, await authAs({ role: 'employee', employeeId: 3 }));
    expect(employee.errors).toBeUndefined();
    expect(employee.data.me.employee.reportsTo.id).toBe('2');
  });

  it('shows an agent exactly the customers they support', async () => {
    const res = await env.api.query(CUSTOMER_IDS, {}, await authAs({ role: 'employee', employeeId: 3 }));
    expect(res.data.customers.totalCount).toBe(20);
    for (const c of res.data.customers.nodes) expect(c.supportRep.id).toBe('3');
    const foreign = await env.api.query(`{ customer(id: 1) { id } }`, {}, await authAs({ role: 'employee', employeeId: 3 }));
    expect(foreign.data.customer).toBeNull();
    expect(foreign.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it("shows a manager the customers of everyone below them, and the top of the tree everything", async () => {
    for (const [employeeId, expected] of [[2, 60], [1, 60], [6, 0]] as const) {
      const res = await env.api.query(CUSTOMER_IDS, {}, await authAs({ role: 'employee', employeeId }));
      expect({ employeeId, total: res.data.customers.totalCount }).toEqual({ employeeId, total: expected });
    }
    const reports = await env.api.query(`{ employee(id: 2) { customers(first: 1) { totalCount } reports { nodes { id customers { totalCount } } } } }`, {}, await authAs({ role: 'employee', employeeId: 2 }));
    expect(reports.errors).toBeUndefined();
    expect(reports.data.employee.reports.nodes.map((r: any) => r.customers.totalCount)).toEqual([20, 20, 20]);
    const sideways = await env.api.query(`{ employee(id: 4) { customers { totalCount } } }`, {}, await authAs({ role: 'employee', employeeId: 3 }));
    expect(sideways.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('scopes the sales report to the viewer and refuses it to customers', async () => {
    const all = await env.api.query(`{ salesReport(groupBy: COUNTRY) { key total invoiceCount } }`, {}, await authAs({ role: 'employee', employeeId: 1 }));
    const agent = await env.api.query(`{ salesReport(groupBy: COUNTRY) { key total invoiceCount } }`, {}, await authAs({ role: 'employee', employeeId: 3 }));
    const sum = (rows: any[]) => rows.reduce((n, r) => n + r.invoiceCount, 0);
    expect(sum(all.data.salesReport)).toBe(400);
    expect(sum(agent.data.salesReport)).toBeLessThan(400);
    expect(sum(agent.data.salesReport)).toBeGreaterThan(0);
    const denied = await env.api.query(`{ salesReport(groupBy: MONTH) { key } }`, {}, await authAs({ role: 'customer', customerId: 1 }));
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('bearer tokens', () => {
  it('rejects a forged token with UNAUTHENTICATED and HTTP 401', async () => {
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('employee:1').setIssuer('media-store').setAudience('media-store-api')
      .setExpirationTime('1h').sign(new TextEncoder().encode('not-the-server-secret-not-the-server-secret'));
    const res = await env.api.query(`{ artists(first: 1) { nodes { id } } }`, {}, { authorization: `Bearer ${forged}` });
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('rejects an expired token, saying so', async () => {
    const headers = await authAs({ role: 'customer', customerId: 1 }, '-1m');
    const res = await env.api.query(`{ me { role } }`, {}, headers);
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.errors?.[0].message).toContain('expired');
  });

  it('refuses a token once it expires, though it was accepted before', async () => {
    // Verified tokens are remembered; the memory must not outlive the token.
    const headers = await authAs({ role: 'customer', customerId: 1 }, '2s');
    const before = await env.api.query(`{ me { role } }`, {}, headers);
    expect(before.errors).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const after = await env.api.query(`{ me { role } }`, {}, headers);
    expect(after.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(after.errors?.[0].message).toContain('expired');
  });

  it('rejects a malformed Authorization header', async () => {
    const res = await env.api.query(`{ me { role } }`, {}, { authorization: 'Token abc' });
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
