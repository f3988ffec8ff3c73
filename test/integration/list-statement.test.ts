import { openDatabase, type Database } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { delegate } from '../../src/db/delegate';
import { Prisma } from '../../src/generated/prisma/client';
import type { ModelName } from '../../src/generated/model-meta';
import { contains } from '../../src/schema/args';
import { fieldsOf } from '../../src/sql/identifiers';
import { listStatement, type ListRead } from '../../src/sql/list-statement';
import { pagePlanner } from '../../src/sql/page-plan';
import { rowBuilder } from '../../src/sql/row-builder';
import { useTestApi } from '../helpers/api';

// Top-level lists are read by our own statement where their filter is one it writes.
// Its rows must be Prisma's: the same filter, order and cursor, the same values, whatever
// the time zone of Node and of the database session.
process.env.TZ = 'America/New_York';
const handle = useTestApi();
let zoned: Database;
beforeAll(() => {
  zoned = openDatabase(`${handle.database.url}?connection_limit=2&options=${encodeURIComponent('-c TimeZone=America/New_York')}`);
});
afterAll(() => zoned?.close());

const plain = (row: object) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Prisma.Decimal ? v.toString() : v]));
const wholeRows = (model: ModelName) => pagePlanner(model, {})({ fields: fieldsOf(model), joins: [] });

async function ours(model: ModelName, read: ListRead, db = new RequestDb(zoned, 2)) {
  const plan = wholeRows(model);
  const statement = listStatement(model, plan, read);
  if (!statement) throw new Error(`no statement for ${JSON.stringify(read.where)}`);
  return (await db.rows(statement.sql, statement.params)).map(rowBuilder(model, plan, false, true)).map(plain);
}

// Prisma's whole list in the same order, cut after the cursor's row: an oracle that shares no code with ours.
async function prismas(model: ModelName, { where, fields, descending, after, limit }: ListRead) {
  const all = ((await delegate(zoned.prisma, model).findMany({ where, orderBy: fields.map((f) => ({ [f]: descending ? 'desc' : 'asc' })) })) as object[]).map(plain);
  const key = (row: Record<string, unknown>) => JSON.stringify(fields.map((f) => row[f]));  // Dates as ISO text, as a cursor holds them
  const from = after ? all.findIndex((row) => key(row) === JSON.stringify(after)) + 1 : 0;
  return all.slice(from, from + limit);
}

const cases: Array<[string, ModelName, ListRead]> = [
  ['every album by title', 'Album', { where: {}, fields: ['title', 'id'], descending: false, limit: 7 }],
  ['albums with a title containing "a", backward', 'Album', { where: { title: contains('a', 'f'), artistId: undefined }, fields: ['title', 'id'], descending: true, limit: 5 }],
  ['one artist’s albums by id', 'Album', { where: { artistId: 1 }, fields: ['id'], descending: false, limit: 50 }],
  ['tracks of a genre by name, lengths in a range', 'Track', { where: { genreId: 1, name: contains('o', 'f'), milliseconds: { gte: 200_000, lte: 400_000 } }, fields: ['name', 'id'], descending: false, limit: 10 }],
  ['customers named so, by last name, backward', 'Customer', { where: { AND: [{}, { country: undefined }, { OR: [{ firstName: contains('a', 'f') }, { lastName: contains('a', 'f') }] }] }, fields: ['lastName', 'id'], descending: true, limit: 6 }],
  ['one customer, in an AND', 'Customer', { where: { AND: [{ id: 5 }, { country: undefined }, {}] }, fields: ['id'], descending: false, limit: 5 }],
  ['an OR of nothing', 'Customer', { where: { OR: [] }, fields: ['id'], descending: false, limit: 5 }],
  ['titles holding a %, which matches itself', 'Album', { where: { title: contains('%', 'f') }, fields: ['title', 'id'], descending: false, limit: 5 }],
  ['tracks in a price range, by price', 'Track', { where: { unitPrice: { gte: '0.5', lte: '1.99' } }, fields: ['unitPrice', 'id'], descending: false, limit: 9 }],
  ['invoices of a period, latest first', 'Invoice', { where: { AND: [{ customerId: 2 }, { invoiceDate: { gte: new Date('2000-01-01T00:00:00Z'), lt: new Date('2100-01-01T00:00:00Z') } }] }, fields: ['invoiceDate', 'id'], descending: true, limit: 4 }],
  ['invoices of a total, by date', 'Invoice', { where: { total: { equals: new Prisma.Decimal('1.98') } }, fields: ['invoiceDate', 'id'], descending: false, limit: 4 }],
];

describe('a top-level list read by our own statement', () => {
  // Cases that match nothing at this seed: their emptiness is what they check.
  const empty = new Set(['an OR of nothing', 'titles holding a %, which matches itself']);
  it.each(cases)('%s: Prisma’s rows, values and order', async (name, model, read) => {
    const expected = await prismas(model, read);
    expect(expected.length > 0).toBe(!empty.has(name));
    expect(await ours(model, read)).toEqual(expected);
  });

  const paged = new Set(['every album by title', 'albums with a title containing "a", backward', 'tracks of a genre by name, lengths in a range', 'customers named so, by last name, backward', 'tracks in a price range, by price', 'invoices of a period, latest first']);
  it.each(cases.filter(([name]) => paged.has(name)))('%s: after a cursor, the rows Prisma has after that row', async (_, model, read) => {
    const first = await prismas(model, { ...read, limit: 3 });
    expect(first).toHaveLength(3);
    // As a decoded cursor holds them: instants as ISO text, decimals as text.
    const after = read.fields.map((f) => {
      const value = (first[2] as Record<string, unknown>)[f];
      return value instanceof Date ? value.toISOString() : value;
    });
    const expected = await prismas(model, { ...read, after });
    expect(expected.length).toBeGreaterThan(0);
    expect(await ours(model, { ...read, after })).toEqual(expected);
  });

  it('runs in the session time zone the test means', async () => {
    expect((await zoned.pool.query('SHOW TimeZone')).rows[0].TimeZone).toBe('America/New_York');
  });

  it('compares instants exactly, as UTC, whatever the session’s zone', async () => {
    const { invoiceDate } = (await zoned.prisma.invoice.findFirst({ orderBy: { id: 'asc' } }))!;
    const at = (hours: number) => new Date(invoiceDate.getTime() + hours * 3_600_000);
    for (const where of [{ invoiceDate: { gte: invoiceDate, lte: invoiceDate } }, { invoiceDate: { gt: at(1), lt: at(24) } }, { invoiceDate: { gt: at(-24), lt: at(-1) } }]) {
      const read: ListRead = { where, fields: ['invoiceDate', 'id'], descending: false, limit: 50 };
      expect({ where, rows: await ours('Invoice', read) }).toEqual({ where, rows: await prismas('Invoice', read) });
    }
  });

  it('matches text case-insensitively, as Prisma does', async () => {
    const read: ListRead = { where: { title: contains('E', 'f') }, fields: ['title', 'id'], descending: false, limit: 30 };
    const rows = await ours('Album', read);
    expect(rows.some((row) => !String(row.title).includes('E'))).toBe(true);
    expect(rows).toEqual(await prismas('Album', read));
  });

  it('reads the same rows inside a transaction, where they come through Prisma', async () => {
    for (const [, model, read] of cases) {
      const expected = await prismas(model, read);
      expect(await new RequestDb(zoned, 2).transaction((tx) => ours(model, read, tx))).toEqual(expected);
    }
  });

  it('leaves to Prisma a filter or cursor it does not write', () => {
    const plan = wholeRows('Customer');
    const read = (over: Partial<ListRead>): ListRead => ({ where: {}, fields: ['id'], descending: false, limit: 5, ...over });
    expect(listStatement('Customer', plan, read({ where: { supportRep: { managers: { some: { managerId: 1 } } } } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { id: { in: [1, 2] } } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { AND: [{ id: 1 }, { email: { not: null } }] } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ fields: ['country', 'id'], after: [null, 3] }))).toBeUndefined();
    expect(listStatement('Track', wholeRows('Track'), { where: { unitPrice: { gte: 'NaN' } }, fields: ['id'], descending: false, limit: 5 })).toBeUndefined();
    expect(listStatement('Invoice', wholeRows('Invoice'), { where: {}, fields: ['invoiceDate', 'id'], descending: true, after: [new Date(NaN), 1], limit: 5 })).toBeUndefined();
    // Values Prisma would refuse (not a 32-bit integer) are left to it, to refuse as it did.
    expect(listStatement('Customer', plan, read({ where: { id: 1.5 } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { id: { gte: 2 ** 31 } } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { constructor: 1 } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { id: { constructor: 1 } } }))).toBeUndefined();
    // A mode beside other operators, or a substring of a number, are Prisma's to read or refuse.
    expect(listStatement('Customer', plan, read({ where: { lastName: { equals: 'x', mode: 'insensitive' } } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { lastName: { contains: 'x', gt: 'a', mode: 'insensitive' } } }))).toBeUndefined();
    expect(listStatement('Customer', plan, read({ where: { id: { contains: '1' } } }))).toBeUndefined();
    // Instants beyond year 9999 do not fit the text PostgreSQL reads.
    expect(listStatement('Invoice', wholeRows('Invoice'), { where: { invoiceDate: { lt: new Date('+010000-01-01T00:00:00Z') } }, fields: ['id'], descending: false, limit: 5 })).toBeUndefined();
    // A filter's values never enter the text: they are parameters.
    expect(listStatement('Customer', plan, read({ where: { lastName: "x'; DROP TABLE customer; --" } }))).toEqual({ sql: expect.not.stringContaining('DROP'), params: ["x'; DROP TABLE customer; --", 5] });
  });

  it('primes a row whose relations it read in part without them, so a later lookup reads them whole', async () => {
    const first = await handle.api.query('{ album(id: "1") { artist { name } tracks(first: 1) { nodes { id album { title } } } } }');
    expect(first.errors).toBeUndefined();
    const trackId = first.data.album.tracks.nodes[0].id;
    // The list reads its rows' artists and albums with the id alone; the track's album, looked
    // up after the list is read, finds the album primed, and must still read its artist's name.
    const answer = await handle.api.query(`{
      albums(first: 3, orderBy: { field: ID }) { nodes { id artist { id } } }
      tracks(first: 3, orderBy: { field: ID }) { nodes { id album { id } } }
      track(id: "${trackId}") { album { title artist { name } } }
    }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.track.album).toEqual({ title: first.data.album.tracks.nodes[0].album.title, artist: { name: first.data.album.artist.name } });
  });
});
