import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// Pages of children are read by our own SQL straight from the pool; single rows by
// Prisma. A value must read the same either way, whatever the server's time zone.
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

    // The same rows one at a time, through Prisma's by-id loaders.
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
