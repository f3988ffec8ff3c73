import type { Resolvers, SalesGroupBy } from '../../generated/graphql';
import { Prisma, type Track } from '../../generated/prisma/client';
import { badUserInput, forbidden } from '../../errors';
import { childPage } from '../../loaders/child-pages';
import { joinedRow } from '../../sql/row-builder';
import { listPage } from '../../graphql/list-page';
import { LINE_JOINS } from '../../loaders';
import { optionalId, rowId, sortOf } from '../args';

// Each grouping's key, label and the joins it needs; fixed SQL, never client text.
const GROUPS: Record<SalesGroupBy, { key: string; label: string; joins: string }> = {
  GENRE: {
    key: `coalesce(g.genre_id::text, 'none')`,
    label: `coalesce(g.name, 'No genre')`,
    joins: 'JOIN track t ON t.track_id = l.track_id LEFT JOIN genre g ON g.genre_id = t.genre_id',
  },
  ARTIST: {
    key: `coalesce(ar.artist_id::text, 'none')`,
    label: `coalesce(ar.name, 'No artist')`,
    joins: 'JOIN track t ON t.track_id = l.track_id LEFT JOIN album al ON al.album_id = t.album_id LEFT JOIN artist ar ON ar.artist_id = al.artist_id',
  },
  COUNTRY: { key: `coalesce(i.billing_country, 'Unknown')`, label: `coalesce(i.billing_country, 'Unknown')`, joins: '' },
  MONTH: { key: `to_char(i.invoice_date, 'YYYY-MM')`, label: `to_char(i.invoice_date, 'FMMonth YYYY')`, joins: '' },
};

export const salesResolvers: Resolvers = {
  Query: {
    invoices: (_, args, { db, access, loaders }) => {
      const viewer = access.requireSignedIn();
      const f = args.filter;
      if (f?.from && f.to && f.from >= f.to) throw badUserInput('filter.to', `filter.to must be after filter.from, but got: ${f.to.toISOString()}`);
      const where = {
        AND: [
          viewer.role === 'customer' ? { customerId: viewer.customerId } : { customer: access.customerWhere() },
          {
            invoiceDate: f?.from || f?.to ? { ...(f.from && { gte: f.from }), ...(f.to && { lt: f.to }) } : undefined,
            billingCountry: f?.billingCountry ?? undefined,
            customerId: optionalId(f?.customerId, 'filter.customerId'),
          },
        ],
      };
      const sort = sortOf(args.orderBy, { INVOICE_DATE: 'invoiceDate', TOTAL: 'total', ID: 'id' }, { field: 'INVOICE_DATE', direction: 'DESC' });
      return listPage(db, 'Invoice', where, sort, args, loaders.invoiceById);
    },
    invoice: async (_, { id }, { access, loaders }) => {
      access.requireSignedIn();
      const invoice = await loaders.invoiceById.load(rowId(id));
      if (!invoice) return null;
      const customer = await loaders.customerById.load(invoice.customerId);
      if (!customer || !(await access.canSeeCustomer(customer))) throw forbidden(`You may not see invoice ${id}`);
      return invoice;
    },
    salesReport: async (_, { groupBy, from, to }, { access, db }) => {
      const employeeId = access.requireEmployee('sales reports');
      if (from && to && from >= to) throw badUserInput('to', `to must be after from, but got: ${to.toISOString()}`);
      const group = GROUPS[groupBy];
      const rows = await db.run((prisma) =>
        prisma.$queryRaw<Array<{ key: string; label: string; total: Prisma.Decimal; quantity: bigint; invoice_count: bigint }>>`
          SELECT ${Prisma.raw(group.key)} AS key, min(${Prisma.raw(group.label)}) AS label,
                 sum(l.unit_price * l.quantity) AS total, sum(l.quantity) AS quantity, count(DISTINCT i.invoice_id) AS invoice_count
          FROM invoice_line l JOIN invoice i ON i.invoice_id = l.invoice_id ${Prisma.raw(group.joins)}
          WHERE i.customer_id IN (SELECT c.customer_id FROM customer c JOIN reporting_line r ON r.employee_id = c.support_rep_id WHERE r.manager_id = ${employeeId})
            AND (${from}::timestamp IS NULL OR i.invoice_date >= ${from}::timestamp)
            AND (${to}::timestamp IS NULL OR i.invoice_date < ${to}::timestamp)
          GROUP BY 1 ORDER BY total DESC, key`,
      );
      return rows.map((r) => ({ key: r.key, label: r.label, total: r.total, quantity: Number(r.quantity), invoiceCount: Number(r.invoice_count) }));
    },
  },
  Invoice: {
    customer: async (invoice, _, { loaders }) => (await loaders.customerById.load(invoice.customerId))!,
    lines: (invoice, args, { loaders }, info) =>
      loaders.linesByInvoiceId.load(childPage(invoice.id, args, info, LINE_JOINS)),
    lineCount: (invoice, _, { loaders }) => loaders.lineCountByInvoiceId.load(invoice.id),
  },
  InvoiceLine: {
    track: (line, _, { loaders }) => joinedRow<Track>(line, 'track') ?? loaders.trackById.load(line.trackId).then((track) => track!),
  },
};
