import { Prisma } from '../generated/prisma/client';

/*
 * The events subscriptions deliver, as the writing transaction announces them with
 * PostgreSQL's NOTIFY: ids only (the rows are read afresh for each subscriber class), so a
 * payload stays far below PostgreSQL's 8,000-byte limit, and an event exists only if its
 * transaction committed. Every process LISTENs (./listener.ts), so every process sees every
 * committed change, whichever process wrote it.
 */

/** The NOTIFY channels, one per kind of event. */
export const CHANNELS = { invoiceCreated: 'media_store_invoice_created', playlistChanged: 'media_store_playlist_changed' } as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** What changed in a playlist; the schema's `PlaylistChangeKind`. */
export const PLAYLIST_CHANGE_KINDS = ['TRACKS_ADDED', 'TRACKS_REMOVED', 'TRACKS_REORDERED', 'RENAMED', 'DELETED'] as const;
export type PlaylistChangeKind = (typeof PLAYLIST_CHANGE_KINDS)[number];

/** A customer bought something: the invoice, whose it is, and who looks after them. */
export interface InvoiceCreated {
  channel: typeof CHANNELS.invoiceCreated;
  invoiceId: number;
  customerId: number;
  supportRepId: number | null;
  /** When the writing statement finished (ms since the epoch, PostgreSQL's clock), just before its commit. */
  at: number;
}

/** A playlist changed: how, and which tracks (for additions and removals). */
export interface PlaylistChanged {
  channel: typeof CHANNELS.playlistChanged;
  playlistId: number;
  kind: PlaylistChangeKind;
  trackIds: number[];
  at: number;
}

export type StoreEvent = InvoiceCreated | PlaylistChanged;

// PostgreSQL's clock at the end of the writing statement, in ms: the delivery latency
// metric measures from here.
const NOW_MS = Prisma.sql`floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * A column for the final SELECT of an invoice-inserting statement: NOTIFYs one event per
 * row of `made` (a CTE with `invoice_id`), for customer `customerId`, and counts them.
 */
export function notifyInvoiceCreated(made: Prisma.Sql, customerId: number): Prisma.Sql {
  return Prisma.sql`(SELECT count(pg_notify(${CHANNELS.invoiceCreated}, json_build_object(
      'invoiceId', m.invoice_id, 'customerId', c.customer_id, 'supportRepId', c.support_rep_id, 'at', ${NOW_MS})::text))
    FROM ${made} m JOIN customer c ON c.customer_id = ${customerId})::int`;
}

/**
 * A column for the final SELECT of a playlist-changing statement: NOTIFYs the change when
 * `changed` (a boolean SQL expression) holds, with the track ids `trackIds` (an int[] SQL
 * expression), and counts it (0 or 1).
 */
export function notifyPlaylistChanged(playlistId: number, kind: PlaylistChangeKind, changed: Prisma.Sql, trackIds: Prisma.Sql = Prisma.sql`ARRAY[]::int[]`): Prisma.Sql {
  return Prisma.sql`(SELECT count(pg_notify(${CHANNELS.playlistChanged}, json_build_object(
      'playlistId', ${playlistId}::int, 'kind', ${kind}::text, 'trackIds', ${trackIds}, 'at', ${NOW_MS})::text)) WHERE ${changed})::int`;
}

const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/**
 * Reads a notification's payload. Anyone who may connect to the database can NOTIFY, so a
 * payload is checked like client input: an ill-formed one is dropped (undefined).
 */
export function parseEvent(channel: string, payload: string | undefined): StoreEvent | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(payload ?? '');
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const at = typeof body.at === 'number' && Number.isFinite(body.at) ? body.at : Date.now();
  if (channel === CHANNELS.invoiceCreated) {
    const { invoiceId, customerId, supportRepId } = body;
    if (!isId(invoiceId) || !isId(customerId) || !(supportRepId === null || isId(supportRepId))) return undefined;
    return { channel, invoiceId, customerId, supportRepId, at };
  }
  if (channel === CHANNELS.playlistChanged) {
    const { playlistId, kind, trackIds } = body;
    if (!isId(playlistId) || !PLAYLIST_CHANGE_KINDS.includes(kind as PlaylistChangeKind)) return undefined;
    if (!Array.isArray(trackIds) || trackIds.length > 1000 || !trackIds.every(isId)) return undefined;
    return { channel, playlistId, kind: kind as PlaylistChangeKind, trackIds, at };
  }
  return undefined;
}

/** The topic an event is published on: subscribers of that topic receive it. */
export function topicOf(event: StoreEvent): string {
  return event.channel === CHANNELS.invoiceCreated ? INVOICES_TOPIC : playlistTopic(event.playlistId);
}

/** Every created invoice (each subscriber then sees those its viewer may). */
export const INVOICES_TOPIC = 'invoices';
/** The changes of one playlist. */
export const playlistTopic = (playlistId: number) => `playlist:${playlistId}`;
