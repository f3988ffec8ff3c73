import { Prisma } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { badUserInput, forbidden, notFound } from '../errors';
import { inputIdList, inputName } from './input';
import { writeTransaction } from './transaction';
import { notifyPlaylistChanged } from '../subscriptions/events';

/** Most tracks one playlist edit may name. */
export const MAX_TRACKS_PER_EDIT = 100;
/** Largest position accepted; positions past the end mean the end. */
const MAX_POSITION = 1_000_000;

/** What a playlist edit did; payloads resolve the playlist from its id after commit. */
export interface PlaylistEditResult {
  playlistId: number;
  added?: number[];
  alreadyPresent?: number[];
  removed?: number[];
  notPresent?: number[];
}

function positionOf(value: number | null | undefined, path: string): number | null {
  if (value == null) return null;
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_POSITION) throw badUserInput(path, `${path} must be an integer from 0 to ${MAX_POSITION}, but got: ${value}`);
  return value;
}

/**
 * Locks the playlist row for the rest of the transaction, so that edits of one playlist run
 * one after another (each then reads the positions the previous one committed), and checks
 * that `owner` may edit it.
 * @throws NOT_FOUND for no such playlist, FORBIDDEN when it is not the viewer's to edit
 */
async function lockPlaylist(tx: RequestDb, playlistId: number, owner: number | null): Promise<void> {
  const [row] = await tx.run((prisma) =>
    prisma.$queryRaw<Array<{ owner: number | null }>>(Prisma.sql`SELECT customer_id AS owner FROM playlist WHERE playlist_id = ${playlistId} FOR UPDATE`),
  );
  if (!row) throw notFound(`Playlist ${playlistId} not found`, { argumentName: 'input.playlistId' });
  if (row.owner !== owner) {
    throw forbidden(
      owner === null
        ? `Playlist ${playlistId} belongs to a customer: only they may edit it`
        : `You may not edit playlist ${playlistId}: customers edit only their own playlists`,
    );
  }
}

/** Creates a playlist owned by `owner` (a customer id, or null for the store's). */
export async function createPlaylist(db: RequestDb, owner: number | null, name: string): Promise<PlaylistEditResult> {
  const checked = inputName(name, 'input.name');
  return writeTransaction(db, async (tx) => {
    const [row] = await tx.run((prisma) =>
      prisma.$queryRaw<Array<{ id: number }>>(Prisma.sql`INSERT INTO playlist (name, customer_id) VALUES (${checked}, ${owner}::int) RETURNING playlist_id AS id`),
    );
    return { playlistId: row.id };
  });
}

/**
 * Renames a playlist `owner` may edit.
 * @throws NOT_FOUND, FORBIDDEN as {@link lockPlaylist}; BAD_USER_INPUT for a bad name
 */
export async function renamePlaylist(db: RequestDb, owner: number | null, playlistId: number, name: string): Promise<PlaylistEditResult> {
  const checked = inputName(name, 'input.name');
  return writeTransaction(db, async (tx) => {
    await lockPlaylist(tx, playlistId, owner);
    await tx.run((prisma) =>
      prisma.$queryRaw(Prisma.sql`
        WITH changed AS (UPDATE playlist SET name = ${checked} WHERE playlist_id = ${playlistId} RETURNING 1)
        SELECT ${notifyPlaylistChanged(playlistId, 'RENAMED', Prisma.sql`EXISTS (SELECT 1 FROM changed)`)} AS notified`),
    );
    return { playlistId };
  });
}

/**
 * Deletes a playlist `owner` may edit, and its entries (not the tracks).
 * @throws NOT_FOUND, FORBIDDEN as {@link lockPlaylist}
 */
export async function deletePlaylist(db: RequestDb, owner: number | null, playlistId: number): Promise<PlaylistEditResult> {
  return writeTransaction(db, async (tx) => {
    await lockPlaylist(tx, playlistId, owner);
    await tx.run((prisma) =>
      prisma.$queryRaw(Prisma.sql`
        WITH gone AS (DELETE FROM playlist WHERE playlist_id = ${playlistId} RETURNING 1)
        SELECT ${notifyPlaylistChanged(playlistId, 'DELETED', Prisma.sql`EXISTS (SELECT 1 FROM gone)`)} AS notified`),
    );
    return { playlistId };
  });
}

function missingTracks(given: number[], known: number[], where: string) {
  const found = new Set(known);
  const missing = given.filter((id) => !found.has(id));
  if (missing.length > 0) {
    throw notFound(`Track${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${where}`, {
      argumentName: `input.trackIds[${given.indexOf(missing[0])}]`,
      trackIds: missing.map(String),
    });
  }
}

/**
 * Adds tracks at `position` (0 is the start; null or past the end: the end), in the order
 * given, shifting the entries from there on. Tracks already in the playlist stay where they
 * are and are reported, not added twice. Two statements whatever the count: the lock, then
 * one that shifts and inserts (the unique position key is checked at the end of it).
 * @throws NOT_FOUND naming unknown tracks (then nothing is added)
 */
export async function addTracks(db: RequestDb, owner: number | null, playlistId: number, trackIds: ReadonlyArray<string | number>, position?: number | null): Promise<PlaylistEditResult> {
  const ids = inputIdList(trackIds, 'input.trackIds', MAX_TRACKS_PER_EDIT);
  const at = positionOf(position, 'input.position');
  return writeTransaction(db, async (tx) => {
    await lockPlaylist(tx, playlistId, owner);
    const [row] = await tx.run((prisma) =>
      prisma.$queryRaw<Array<{ added: number[]; known: number[] }>>(Prisma.sql`
        WITH known AS (
          SELECT g.track_id, g.ord FROM unnest(${ids}::int[]) WITH ORDINALITY AS g(track_id, ord) JOIN track t ON t.track_id = g.track_id
        ), fresh AS (
          SELECT k.track_id, (row_number() OVER (ORDER BY k.ord) - 1)::int AS n FROM known k
          WHERE NOT EXISTS (SELECT 1 FROM playlist_track pt WHERE pt.playlist_id = ${playlistId} AND pt.track_id = k.track_id)
            AND (SELECT count(*) FROM known) = ${ids.length}
        ), at AS (
          SELECT LEAST(COALESCE(${at}::int, count(*)::int), count(*)::int) AS p FROM playlist_track WHERE playlist_id = ${playlistId}
        ), shifted AS (
          UPDATE playlist_track SET position = position + (SELECT count(*)::int FROM fresh)
          WHERE playlist_id = ${playlistId} AND position >= (SELECT p FROM at) AND EXISTS (SELECT 1 FROM fresh)
          RETURNING 1
        ), added AS (
          INSERT INTO playlist_track (playlist_id, track_id, position)
          SELECT ${playlistId}, f.track_id, (SELECT p FROM at) + f.n FROM fresh f
          RETURNING track_id
        )
        SELECT ARRAY(SELECT track_id FROM added) AS added, ARRAY(SELECT track_id FROM known) AS known,
          ${notifyPlaylistChanged(playlistId, 'TRACKS_ADDED', Prisma.sql`EXISTS (SELECT 1 FROM added)`, Prisma.sql`ARRAY(SELECT track_id FROM added)`)} AS notified`),
    );
    missingTracks(ids, row.known, 'not found');
    const added = new Set(row.added);
    return { playlistId, added: ids.filter((id) => added.has(id)), alreadyPresent: ids.filter((id) => !added.has(id)) };
  });
}

/**
 * Removes tracks; the entries after them move up, so positions stay 0, 1, 2 … Tracks not
 * in the playlist are reported. Two statements whatever the count.
 */
export async function removeTracks(db: RequestDb, owner: number | null, playlistId: number, trackIds: ReadonlyArray<string | number>): Promise<PlaylistEditResult> {
  const ids = inputIdList(trackIds, 'input.trackIds', MAX_TRACKS_PER_EDIT);
  return writeTransaction(db, async (tx) => {
    await lockPlaylist(tx, playlistId, owner);
    const [row] = await tx.run((prisma) =>
      prisma.$queryRaw<Array<{ removed: number[] }>>(Prisma.sql`
        WITH removed AS (
          DELETE FROM playlist_track WHERE playlist_id = ${playlistId} AND track_id = ANY(${ids}::int[]) RETURNING track_id, position
        ), renumbered AS (
          UPDATE playlist_track pt SET position = pt.position - (SELECT count(*)::int FROM removed r WHERE r.position < pt.position)
          WHERE pt.playlist_id = ${playlistId} AND pt.track_id <> ALL(${ids}::int[]) AND pt.position > (SELECT min(position) FROM removed)
          RETURNING 1
        )
        SELECT ARRAY(SELECT track_id FROM removed) AS removed,
          ${notifyPlaylistChanged(playlistId, 'TRACKS_REMOVED', Prisma.sql`EXISTS (SELECT 1 FROM removed)`, Prisma.sql`ARRAY(SELECT track_id FROM removed)`)} AS notified`),
    );
    const removed = new Set(row.removed);
    return { playlistId, removed: ids.filter((id) => removed.has(id)), notPresent: ids.filter((id) => !removed.has(id)) };
  });
}

/**
 * Moves tracks of the playlist, in the order given, to `position` among the entries that
 * stay where they are (0: first; past the end: last). Two statements whatever the count.
 * @throws NOT_FOUND naming tracks that are not in the playlist (then nothing moves)
 */
export async function moveTracks(db: RequestDb, owner: number | null, playlistId: number, trackIds: ReadonlyArray<string | number>, position: number): Promise<PlaylistEditResult> {
  const ids = inputIdList(trackIds, 'input.trackIds', MAX_TRACKS_PER_EDIT);
  const at = positionOf(position, 'input.position')!;
  return writeTransaction(db, async (tx) => {
    await lockPlaylist(tx, playlistId, owner);
    const [row] = await tx.run((prisma) =>
      prisma.$queryRaw<Array<{ present: number[] }>>(Prisma.sql`
        WITH entries AS (
          SELECT track_id, position FROM playlist_track WHERE playlist_id = ${playlistId}
        ), moving AS (
          SELECT m.track_id, m.ord FROM unnest(${ids}::int[]) WITH ORDINALITY AS m(track_id, ord) JOIN entries e ON e.track_id = m.track_id
        ), rest AS (
          SELECT e.track_id, (row_number() OVER (ORDER BY e.position) - 1)::int AS n FROM entries e WHERE e.track_id NOT IN (SELECT track_id FROM moving)
        ), at AS (
          SELECT LEAST(${at}::int, (SELECT count(*)::int FROM rest)) AS p
        ), target AS (
          SELECT r.track_id, CASE WHEN r.n < at.p THEN r.n ELSE r.n + (SELECT count(*)::int FROM moving) END AS position FROM rest r, at
          UNION ALL
          SELECT m.track_id, at.p + (row_number() OVER (ORDER BY m.ord) - 1)::int FROM moving m, at
        ), moved AS (
          UPDATE playlist_track pt SET position = t.position FROM target t
          WHERE pt.playlist_id = ${playlistId} AND pt.track_id = t.track_id AND pt.position <> t.position
            AND (SELECT count(*) FROM moving) = ${ids.length}
          RETURNING 1
        )
        SELECT ARRAY(SELECT track_id FROM moving) AS present,
          ${notifyPlaylistChanged(playlistId, 'TRACKS_REORDERED', Prisma.sql`EXISTS (SELECT 1 FROM moved)`)} AS notified`),
    );
    missingTracks(ids, row.present, `not in playlist ${playlistId}`);
    return { playlistId };
  });
}
