import { RequestDb } from '../../src/db/request-db';
import { Prisma } from '../../src/generated/prisma/client';
import { modelMeta } from '../../src/generated/model-meta';
import { createLoaders } from '../../src/loaders';
import { codecOf } from '../../src/sql/codecs';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// Pages of children are read by our own SQL as JSON; rows by id as plain rows of text.
// A value must read the same either way, and as Prisma reads it, whatever the server's
// time zone.
process.env.TZ = 'America/New_York';

const handle = useTestApi();

describe('values read by our own SQL', () => {
  it('match Prisma for dates and timestamps (UTC) and decimals', async () => {
    const manager = await authAs({ role: 'employee', employeeId: 1 });
    const paged = await handle.api.query(
      `{ employee(id: "1") { reports { nodes { id birthDate hireDate } } }
         customers(first: 3) { nodes { invoices(first: 3) { nodes { id invoiceDate total } } } } }`,
      undefined,
      manager,
    );
    expect(paged.errors).toBeUndefined();
    const reports = paged.data.employee.reports.nodes as Array<{ id: string; birthDate: string; hireDate: string }>;
    const invoices = (paged.data.customers.nodes as Array<{ invoices: { nodes: Array<{ id: string; invoiceDate: string; total: string }> } }>).flatMap((c) => c.invoices.nodes);
    expect(reports.length).toBeGreaterThan(0);
    expect(invoices.length).toBeGreaterThan(0);

    // The same rows one at a time, through the by-id loaders.
    const single = await handle.api.query(
      `{ ${reports.map((r) => `e${r.id}: employee(id: "${r.id}") { id birthDate hireDate }`).join(' ')}
         ${invoices.map((i) => `i${i.id}: invoice(id: "${i.id}") { id invoiceDate total }`).join(' ')} }`,
      undefined,
      manager,
    );
    expect(single.errors).toBeUndefined();
    for (const r of reports) expect(single.data[`e${r.id}`]).toEqual(r);
    for (const i of invoices) expect(single.data[`i${i.id}`]).toEqual(i);
    // Dates are whole UTC days, not shifted by the server's zone.
    expect(reports[0].hireDate).toMatch(/T00:00:00\.000Z$/);
  });
});

describe('rows read by our own SQL, by id and by page', () => {
  // What a row holds for a client: its own fields, decimals as the text Prisma's Decimal writes.
  const plain = (row: object | null) => row && Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Prisma.Decimal ? v.toString() : v]));
  const page = { size: 50, cursor: undefined, backward: false, scope: { name: 'Invoice.lines', types: ['Int'] } };
  const read = async (request: RequestDb) => {
    const loaders = createLoaders(request);
    return {
      // One id alone (its own statement), and several in one batch.
      one: plain(await loaders.invoiceById.load(1)),
      invoices: (await Promise.all([2, 3, 4].map((id) => loaders.invoiceById.load(id)))).map(plain),
      employees: (await Promise.all([1, 2].map((id) => loaders.employeeById.load(id)))).map(plain),
      lines: (await loaders.linesByInvoiceId.load({ parentId: 1, page })).nodes.map(plain),
    };
  };

  it('equal Prisma’s, on the pool and inside a transaction (values as Prisma gives them there)', async () => {
    // The test server's own database handle: its pool and PrismaClient.
    const { db } = handle.api;
    const { prisma } = db;
    const invoices = await prisma.invoice.findMany({ where: { id: { in: [1, 2, 3, 4] } }, orderBy: { id: 'asc' } });
    const expected = {
      one: plain(invoices[0]),
      invoices: invoices.slice(1).map(plain),
      employees: (await prisma.employee.findMany({ where: { id: { in: [1, 2] } }, orderBy: { id: 'asc' } })).map(plain),
      lines: (await prisma.invoiceLine.findMany({ where: { invoiceId: 1 }, orderBy: { id: 'asc' } })).map(plain),
    };
    expect(expected.lines.length).toBeGreaterThan(0);
    expect(await read(new RequestDb(db, 2))).toEqual(expected);
    expect(await new RequestDb(db, 2).transaction((tx) => read(tx))).toEqual(expected);
  });

  it('have a codec for every field type of every model', () => {
    for (const meta of Object.values(modelMeta)) for (const type of Object.values(meta.types as Record<string, string>)) expect(() => codecOf(type)).not.toThrow();
  });
});
