import { Prisma } from '../generated/prisma/client';
import type { RequestDb } from '../db/request-db';
import { classifyDatabaseError } from '../db/failures';
import { badUserInput, conflict, echo, notFound } from '../errors';
import { inputId, inputInt, inputName, inputText } from './input';
import { writeTransaction } from './transaction';

/** The catalog rows employees edit. */
export type CatalogModel = 'Artist' | 'Album' | 'Track';

/** What a catalog edit did: the row's id; its payload loads the row after commit. */
export interface CatalogEditResult {
  id: number;
}

/** Highest price a track may have: numeric(10,2). */
const MAX_PRICE = 99_999_999.99;

// Who references each model, and so blocks deleting it. Constants, never client input.
const TABLES: Record<CatalogModel, { table: string; key: string; referencedBy: Array<{ table: string; column: string; what: string }> }> = {
  Artist: { table: 'artist', key: 'artist_id', referencedBy: [{ table: 'album', column: 'artist_id', what: 'album' }] },
  Album: { table: 'album', key: 'album_id', referencedBy: [{ table: 'track', column: 'album_id', what: 'track' }] },
  Track: {
    table: 'track',
    key: 'track_id',
    referencedBy: [
      { table: 'invoice_line', column: 'track_id', what: 'invoice line' },
      { table: 'playlist_track', column: 'track_id', what: 'playlist' },
    ],
  },
};

/** Fields of an artist, album or track as mutations give them: left out means unchanged. */
export interface ArtistInput {
  name?: string | null;
}
export interface AlbumInput {
  title?: string | null;
  artistId?: string | number | null;
}
export interface TrackInput {
  name?: string | null;
  albumId?: string | number | null;
  mediaTypeId?: string | number | null;
  genreId?: string | number | null;
  composer?: string | null;
  milliseconds?: number | null;
  bytes?: number | null;
  unitPrice?: string | null;
}

function price(value: string, path: string): string {
  const n = Number(value);
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(value) || n > MAX_PRICE) throw badUserInput(path, `${path} must be from 0 to ${MAX_PRICE} with at most 2 decimals, but got: ${echo(value)}`);
  return value;
}

// The Prisma data of an input: fields given are checked; fields left out (undefined) are not
// changed. On create, `required` fields must be given.
function dataOf(model: CatalogModel, input: ArtistInput & AlbumInput & TrackInput, creating: boolean): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const given = (field: keyof typeof input) => input[field] !== undefined;
  const need = (field: keyof typeof input) => {
    if (creating && input[field] == null) throw badUserInput(`input.${field}`, `input.${field} is required to create a ${model.toLowerCase()}`);
    if (!creating && input[field] === null) throw badUserInput(`input.${field}`, `input.${field} may not be null`);
    return given(field);
  };
  if (model === 'Artist' && need('name')) data.name = inputName(input.name!, 'input.name');
  if (model === 'Album') {
    if (need('title')) data.title = inputName(input.title!, 'input.title');
    if (need('artistId')) data.artistId = inputId(input.artistId!, 'input.artistId');
  }
  if (model === 'Track') {
    if (need('name')) data.name = inputName(input.name!, 'input.name');
    if (need('mediaTypeId')) data.mediaTypeId = inputId(input.mediaTypeId!, 'input.mediaTypeId');
    if (need('milliseconds')) data.milliseconds = inputInt(input.milliseconds!, 'input.milliseconds', 0, 2_147_483_647);
    if (need('unitPrice')) data.unitPrice = price(input.unitPrice!, 'input.unitPrice');
    if (given('albumId')) data.albumId = input.albumId === null ? null : inputId(input.albumId!, 'input.albumId');
    if (given('genreId')) data.genreId = input.genreId === null ? null : inputId(input.genreId!, 'input.genreId');
    if (given('composer')) data.composer = inputText(input.composer, 'input.composer');
    if (given('bytes')) data.bytes = input.bytes === null ? null : inputInt(input.bytes!, 'input.bytes', 0, 2_147_483_647);
  }
  return data;
}

type Delegate = { create(args: unknown): Promise<{ id: number }>; updateMany(args: unknown): Promise<{ count: number }> };
const delegateOf = (prisma: unknown, model: CatalogModel) => (prisma as Record<string, Delegate>)[model[0].toLowerCase() + model.slice(1)];

/**
 * Creates a catalog row: one INSERT. A related id that does not exist (an album's artist)
 * is a foreign-key violation, which the error catalogue answers as NOT_FOUND.
 */
export async function createCatalogRow(db: RequestDb, model: CatalogModel, input: ArtistInput & AlbumInput & TrackInput): Promise<CatalogEditResult> {
  const data = dataOf(model, input, true);
  return writeTransaction(db, async (tx) => ({ id: (await tx.run((prisma) => delegateOf(prisma, model).create({ data, select: { id: true } }))).id }));
}

/**
 * Changes the fields given of a catalog row: one UPDATE.
 * @throws NOT_FOUND when there is no such row (or a related id names none)
 */
export async function updateCatalogRow(db: RequestDb, model: CatalogModel, id: number, input: ArtistInput & AlbumInput & TrackInput): Promise<CatalogEditResult> {
  const data = dataOf(model, input, false);
  return writeTransaction(db, async (tx) => {
    const { count } = await tx.run((prisma) => delegateOf(prisma, model).updateMany({ where: { id }, data }));
    if (count === 0) throw notFound(`${model} ${id} not found`, { argumentName: 'input.id' });
    return { id };
  });
}

/**
 * Deletes a catalog row that nothing references, in one statement that counts the
 * references and deletes only when there are none.
 * @throws CONFLICT naming what references the row (`extensions.referencedBy`), NOT_FOUND when there is no such row
 */
export async function deleteCatalogRow(db: RequestDb, model: CatalogModel, id: number): Promise<CatalogEditResult> {
  const { table, key, referencedBy } = TABLES[model];
  const counts = referencedBy.map(({ table: t, column }) => Prisma.sql`(SELECT count(*)::int FROM ${Prisma.raw(t)} WHERE ${Prisma.raw(column)} = ${id})`);
  const refuse = (refs: number[]) => {
    const named = referencedBy.map(({ what }, i) => ({ what, count: refs[i] })).filter(({ count }) => count > 0);
    return conflict(`${model} ${id} is referenced by ${named.map(({ what, count }) => `${count} ${what}${count === 1 ? '' : 's'}`).join(' and ')}: remove those references first`, {
      referencedBy: named,
    });
  };
  try {
    return await writeTransaction(db, async (tx) => {
      const [row] = await tx.run((prisma) =>
        prisma.$queryRaw<Array<{ refs: number[]; deleted: boolean; found: boolean }>>(Prisma.sql`
          WITH refs AS (SELECT ARRAY[${Prisma.join(counts)}] AS refs),
          deleted AS (
            DELETE FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(key)} = ${id} AND (SELECT 0 = ALL(refs) FROM refs) RETURNING 1
          )
          SELECT (SELECT refs FROM refs) AS refs, EXISTS (SELECT 1 FROM deleted) AS deleted,
                 EXISTS (SELECT 1 FROM ${Prisma.raw(table)} WHERE ${Prisma.raw(key)} = ${id}) AS found`),
      );
      if (row.deleted) return { id };
      if (!row.found) throw notFound(`${model} ${id} not found`, { argumentName: 'input.id' });
      throw refuse(row.refs);
    });
  } catch (error) {
    // A reference committed between the count and the delete: the foreign key still refuses.
    if (classifyDatabaseError(error) === 'foreign-key') throw conflict(`${model} ${id} became referenced while it was being deleted; nothing was deleted`, { referencedBy: [] });
    throw error;
  }
}
