import type pg from 'pg';
import { withClient } from '../../src/db/admin/with-client';

/** Runs one statement on its own connection to `url` and returns its rows. */
export async function sql<R extends pg.QueryResultRow = any>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  return withClient(url, async (client) => (await client.query<R>(text, params)).rows);
}

/** Invoices without lines, and invoices whose total is not the sum of their lines: both must be empty. */
export async function invoiceAnomalies(url: string): Promise<{ withoutLines: number[]; badTotals: number[] }> {
  const withoutLines = await sql(url, 'SELECT invoice_id FROM invoice i WHERE NOT EXISTS (SELECT 1 FROM invoice_line l WHERE l.invoice_id = i.invoice_id)');
  const badTotals = await sql(
    url,
    'SELECT i.invoice_id FROM invoice i JOIN invoice_line l USING (invoice_id) GROUP BY i.invoice_id, i.total HAVING i.total <> sum(l.unit_price * l.quantity)',
  );
  return { withoutLines: withoutLines.map((r) => r.invoice_id), badTotals: badTotals.map((r) => r.invoice_id) };
}
