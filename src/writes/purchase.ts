import { createHash } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { badUserInput, conflict, echo, notFound } from '../errors';
import { inputId, inputInt, inputText } from './input';
import { withRetries, writeTransaction } from './transaction';
import { notifyInvoiceCreated } from '../subscriptions/events';

/** Most distinct tracks one purchase may hold. */
export const MAX_PURCHASE_ITEMS = 100;
/** Most copies of one track one purchase may buy. */
export const MAX_QUANTITY = 100;
/** Longest idempotency key accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

export interface PurchaseInput {
  items: ReadonlyArray<{ trackId: string | number; quantity?: number | null }>;
  billing?: { address?: string | null; city?: string | null; state?: string | null; country?: string | null; postalCode?: string | null } | null;
  idempotencyKey: string;
}

/** A checked purchase: distinct tracks in the order first given, their quantities, the basket's hash. */
export interface Basket {
  trackIds: number[];
  quantities: number[];
  /** Where each track was first given, for errors that name an item. */
  paths: string[];
  /** SHA-256 of the merged basket, independent of item order: a retry's basket hashes alike. */
  hash: string;
}

/**
 * Checks a purchase's items and merges repeated tracks into one line (their quantities
 * added up), so `[{trackId: 5}, {trackId: 5}]` buys two of track 5 on one line.
 * @throws BAD_USER_INPUT naming the bad item field (`input.items[2].quantity`)
 */
export function basketOf(input: PurchaseInput): Basket {
  const { items } = input;
  if (items.length === 0 || items.length > MAX_PURCHASE_ITEMS) {
    throw badUserInput('input.items', `input.items must hold 1 to ${MAX_PURCHASE_ITEMS} items, but got ${items.length}`);
  }
  const quantities = new Map<number, number>();
  const paths = new Map<number, string>();
  items.forEach((item, i) => {
    const trackId = inputId(item.trackId, `input.items[${i}].trackId`);
    const quantity = inputInt(item.quantity ?? 1, `input.items[${i}].quantity`, 1, MAX_QUANTITY);
    const merged = (quantities.get(trackId) ?? 0) + quantity;
    if (merged > MAX_QUANTITY) throw badUserInput(`input.items[${i}].quantity`, `Track ${trackId} appears more than once, adding up to ${merged} copies; at most ${MAX_QUANTITY}`);
    quantities.set(trackId, merged);
    if (!paths.has(trackId)) paths.set(trackId, `input.items[${i}].trackId`);
  });
  const trackIds = [...quantities.keys()];
  const canonical = trackIds.map((id) => `${id}x${quantities.get(id)}`).sort().join(',');
  return {
    trackIds,
    quantities: trackIds.map((id) => quantities.get(id)!),
    paths: trackIds.map((id) => paths.get(id)!),
    hash: createHash('sha256').update(canonical).digest('hex'),
  };
}

function idempotencyKeyOf(key: string): string {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || key.includes('\0')) {
    throw badUserInput('input.idempotencyKey', `input.idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters, no NUL, but got: ${echo(key)}`);
  }
  return key;
}

/** What a purchase did: the invoice, and whether an earlier attempt with the same key had made it. */
export interface PurchaseResult {
  invoiceId: number;
  replayed: boolean;
}

/**
 * Buys `input.items` for customer `customerId` in one transaction of one statement, which
 * inserts the invoice and all its lines, priced from the catalog at that moment, with the
 * total summed by PostgreSQL (and checked again by the `invoice_total_matches_lines`
 * constraint trigger as it commits). Its size does not change the statement count. Being a
 * single statement, PostgreSQL runs it as a transaction of its own: no BEGIN and COMMIT
 * round trips, and its connection is held for that statement alone, never across turns of
 * the event loop. The caller's loaders must forget their rows afterwards
 * (`RequestDb.afterCommit`), as after `RequestDb.transaction`.
 *
 * Idempotent per (customer, key): the invoice carries the key under a unique index, and
 * the insert does nothing when the key is taken, waiting first for a concurrent attempt
 * with the same key to commit or roll back. Then a second statement reads the invoice
 * that holds the key: the same basket returns it (`replayed`), another is a `CONFLICT`.
 *
 * @throws BAD_USER_INPUT for a bad item, NOT_FOUND for unknown tracks, CONFLICT for a key reused with another basket
 */
export async function purchase(db: RequestDb, customerId: number, input: PurchaseInput): Promise<PurchaseResult> {
  const basket = basketOf(input);
  const key = idempotencyKeyOf(input.idempotencyKey);
  const billing = input.billing ?? {};
  const address = inputText(billing.address, 'input.billing.address');
  const city = inputText(billing.city, 'input.billing.city');
  const state = inputText(billing.state, 'input.billing.state');
  const country = inputText(billing.country, 'input.billing.country');
  const postalCode = inputText(billing.postalCode, 'input.billing.postalCode');

  const [made] = await withRetries(() =>
    db.run((prisma) =>
      prisma.$queryRaw<Array<{ invoiceId: number | null; found: number[] }>>(Prisma.sql`
        WITH items AS (
          SELECT i.track_id, i.quantity, i.ord, t.unit_price
          FROM unnest(${basket.trackIds}::int[], ${basket.quantities}::int[]) WITH ORDINALITY AS i(track_id, quantity, ord)
          JOIN track t ON t.track_id = i.track_id
        ), made AS (
          INSERT INTO invoice (customer_id, invoice_date, billing_address, billing_city, billing_state, billing_country, billing_postal_code, total, idempotency_key, basket_hash)
          SELECT c.customer_id, now() AT TIME ZONE 'UTC',
                 COALESCE(${address}::text, c.address), COALESCE(${city}::text, c.city), COALESCE(${state}::text, c.state),
                 COALESCE(${country}::text, c.country), COALESCE(${postalCode}::text, c.postal_code),
                 (SELECT sum(unit_price * quantity) FROM items), ${key}, ${basket.hash}
          FROM customer c
          WHERE c.customer_id = ${customerId} AND (SELECT count(*) FROM items) = ${basket.trackIds.length}
          ON CONFLICT (customer_id, idempotency_key) DO NOTHING
          RETURNING invoice_id
        ), lines AS (
          INSERT INTO invoice_line (invoice_id, track_id, unit_price, quantity)
          SELECT m.invoice_id, i.track_id, i.unit_price, i.quantity FROM made m CROSS JOIN items i ORDER BY i.ord
          RETURNING invoice_line_id
        )
        SELECT (SELECT invoice_id FROM made) AS "invoiceId", ARRAY(SELECT track_id FROM items) AS found,
          ${notifyInvoiceCreated(Prisma.raw('made'), customerId)} AS notified`),
    ),
  );
  if (made.invoiceId !== null) return { invoiceId: made.invoiceId, replayed: false };
  const found = new Set(made.found);
  const missing = basket.trackIds.map((id, i) => [id, basket.paths[i]] as const).filter(([id]) => !found.has(id));
  if (missing.length > 0) {
    throw notFound(`Track${missing.length > 1 ? 's' : ''} ${missing.map(([id]) => id).join(', ')} not found`, {
      argumentName: missing[0][1],
      trackIds: missing.map(([id]) => String(id)),
    });
  }
  // The key is taken, by an attempt that committed: this statement's snapshot, newer than
  // the insert's wait for it, sees its invoice.
  const [earlier] = await db.run((prisma) =>
    prisma.$queryRaw<Array<{ invoiceId: number; basketHash: string | null }>>(Prisma.sql`
      SELECT invoice_id AS "invoiceId", basket_hash AS "basketHash" FROM invoice WHERE customer_id = ${customerId} AND idempotency_key = ${key}`),
  );
  if (!earlier) throw notFound(`Customer ${customerId} not found`);
  if (earlier.basketHash !== basket.hash) {
    throw conflict(`Idempotency key ${echo(key)} was used for another purchase (invoice ${earlier.invoiceId}) with a different basket`, {
      argumentName: 'input.idempotencyKey',
      invoiceId: String(earlier.invoiceId),
    });
  }
  return { invoiceId: earlier.invoiceId, replayed: true };
}

/**
 * The same purchase written the naive way, for the benchmark's per-parent baseline only:
 * a statement per track to read its price, one for the invoice, one per line.
 */
export async function purchaseRowByRow(db: RequestDb, customerId: number, input: PurchaseInput): Promise<PurchaseResult> {
  const basket = basketOf(input);
  const key = idempotencyKeyOf(input.idempotencyKey);
  return writeTransaction(db, async (tx) => {
    const earlier = await tx.run((prisma) => prisma.invoice.findUnique({ where: { customerId_idempotencyKey: { customerId, idempotencyKey: key } } }));
    if (earlier) {
      if (earlier.basketHash !== basket.hash) throw conflict(`Idempotency key ${echo(key)} was used for another purchase with a different basket`, { argumentName: 'input.idempotencyKey' });
      return { invoiceId: earlier.id, replayed: true };
    }
    const prices: Prisma.Decimal[] = [];
    for (const [i, id] of basket.trackIds.entries()) {
      const track = await tx.run((prisma) => prisma.track.findUnique({ where: { id }, select: { unitPrice: true } }));
      if (!track) throw notFound(`Track ${id} not found`, { argumentName: basket.paths[i] });
      prices.push(track.unitPrice);
    }
    const customer = await tx.run((prisma) => prisma.customer.findUnique({ where: { id: customerId } }));
    if (!customer) throw notFound(`Customer ${customerId} not found`);
    const total = prices.reduce((sum, price, i) => sum.add(price.mul(basket.quantities[i])), new Prisma.Decimal(0));
    const billing = input.billing ?? {};
    const invoice = await tx.run((prisma) =>
      prisma.invoice.create({
        data: {
          customerId,
          invoiceDate: new Date(),
          billingAddress: billing.address ?? customer.address,
          billingCity: billing.city ?? customer.city,
          billingState: billing.state ?? customer.state,
          billingCountry: billing.country ?? customer.country,
          billingPostalCode: billing.postalCode ?? customer.postalCode,
          total,
          idempotencyKey: key,
          basketHash: basket.hash,
        },
        select: { id: true },
      }),
    );
    for (const [i, trackId] of basket.trackIds.entries()) {
      await tx.run((prisma) => prisma.invoiceLine.create({ data: { invoiceId: invoice.id, trackId, unitPrice: prices[i], quantity: basket.quantities[i] } }));
    }
    await tx.run((prisma) => prisma.$queryRaw(Prisma.sql`WITH made AS (SELECT ${invoice.id}::int AS invoice_id) SELECT ${notifyInvoiceCreated(Prisma.raw('made'), customerId)} AS notified`));
    return { invoiceId: invoice.id, replayed: false };
  });
}
