import { openDatabase, type Database } from '../../src/db/client';
import { RequestDb } from '../../src/db/request-db';
import { createLoaders } from '../../src/loaders';
import { joinedRow } from '../../src/sql/row-builder';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// A page of children reads only the columns the client selected (and the keys resolvers
// rely on). Every field must still read what it reads when all fields are selected.
const handle = useTestApi();

type Node = Record<string, unknown>;

/** One alias per field, each selecting only `id` and that field, beside one alias selecting them all. */
function aliased(connection: string, fields: string[]): string {
  const one = (f: string) => `f_${f.replace(/\W+/g, '_')}: ${connection} { nodes { id ${f} } }`;
  return `all: ${connection} { nodes { id ${fields.join(' ')} } } ${fields.map(one).join(' ')}`;
}

function expectEachFieldAsWhenAllSelected(parents: Array<Record<string, { nodes: Node[] }>>, fields: string[]): void {
  const all = parents.flatMap((parent) => parent.all.nodes);
  expect(all.length).toBeGreaterThan(0);
  for (const f of fields) {
    const key = f.split(/[\s({]/)[0];
    // The check means something only if the field has a value somewhere.
    expect({ field: key, someValue: all.some((n) => n[key] !== null) }).toEqual({ field: key, someValue: true });
    for (const parent of parents) {
      expect(parent[`f_${f.replace(/\W+/g, '_')}`].nodes).toEqual(parent.all.nodes.map((n) => ({ id: n.id, [key]: n[key] })));
    }
  }
}

describe('pages read only what the client selected', () => {
  it('every track field, and the joined album, genre and media type, read alone as with all others', async () => {
    const fields = ['name', 'composer', 'milliseconds', 'bytes', 'unitPrice', 'album { id title }', 'genre { id name }', 'mediaType { name }', 'playlists(first: 2) { totalCount }'];
    const res = await handle.api.query(`{ artist(id: 1) { albums(first: 3) { nodes { ${aliased('tracks(first: 5)', fields)} } } } }`);
    expect(res.errors).toBeUndefined();
    expectEachFieldAsWhenAllSelected(res.data.artist.albums.nodes, fields);
  });

  it('every invoice and line field, and the joined track, read alone as with all others', async () => {
    const manager = await authAs({ role: 'employee', employeeId: 1 });
    const invoiceFields = ['invoiceDate', 'billingCity', 'billingCountry', 'total', 'customer { id }', 'lineCount'];
    const lineFields = ['unitPrice', 'quantity', 'track { id name composer unitPrice album { title } }'];
    const res = await handle.api.query(
      `{ customers(first: 3) { nodes { ${aliased('invoices(first: 4)', invoiceFields)} } }
         invoices(first: 5) { nodes { ${aliased('lines', lineFields)} } } }`,
      undefined,
      manager,
    );
    expect(res.errors).toBeUndefined();
    expectEachFieldAsWhenAllSelected(res.data.customers.nodes, invoiceFields);
    expectEachFieldAsWhenAllSelected(res.data.invoices.nodes, lineFields);
  });

  it('relations found by a foreign key on the row (artist, support rep, manager) read alone as with all others', async () => {
    const manager = await authAs({ role: 'employee', employeeId: 1 });
    const albumFields = ['title', 'artist { id name }'];
    const reportFields = ['firstName', 'hireDate', 'reportsTo { id lastName }'];
    const customerFields = ['lastName', 'country', 'supportRep { id }'];
    const res = await handle.api.query(
      `{ artist(id: 1) { ${aliased('albums(first: 3)', albumFields)} }
         employees(first: 3) { nodes { ${aliased('reports', reportFields)} } }
         e3: employee(id: 3) { ${aliased('customers(first: 4)', customerFields)} } }`,
      undefined,
      manager,
    );
    expect(res.errors).toBeUndefined();
    expectEachFieldAsWhenAllSelected([res.data.artist], albumFields);
    expectEachFieldAsWhenAllSelected(res.data.employees.nodes, reportFields);
    expectEachFieldAsWhenAllSelected([res.data.e3], customerFields);
  });
});

describe('rows read in part', () => {
  let database: Database;
  beforeAll(() => {
    database = openDatabase(handle.database.url);
  });
  afterAll(() => database.close());

  const page = { size: 5, cursor: undefined, backward: false, scope: { name: 'Album.tracks', types: ['Int'] } };

  it('are not primed into by-id loaders: a later lookup reads the whole row', async () => {
    const db = new RequestDb(database, 2);
    const loaders = createLoaders(db);
    const select = { fields: ['album', 'id'], joins: [['album', ['id']]] as const };
    const [first] = (await loaders.tracksByAlbumId.load({ parentId: 1, page, select })).nodes;
    expect(first).not.toHaveProperty('composer');
    const statements = db.stats.statements;

    const track = await loaders.trackById.load(first.id);
    const album = await loaders.albumById.load(first.albumId!);
    expect(track).toMatchObject({ id: first.id, name: expect.any(String), milliseconds: expect.any(Number) });
    expect(track).toHaveProperty('composer');
    expect(album).toMatchObject({ id: first.albumId, title: expect.any(String) });
    expect(db.stats.statements).toBe(statements + 2);
  });

  it('are not primed with a whole child either, when the relation joined to it was read in part', async () => {
    const db = new RequestDb(database, 2);
    const loaders = createLoaders(db);
    const fields = ['id', 'name', 'albumId', 'mediaTypeId', 'genreId', 'composer', 'milliseconds', 'bytes', 'unitPrice'];
    const select = { fields: [...fields, 'album'], joins: [['album', ['id']]] as const };
    const [first] = (await loaders.tracksByAlbumId.load({ parentId: 1, page, select })).nodes;
    const statements = db.stats.statements;

    const track = await loaders.trackById.load(first.id);
    expect(track).toMatchObject({ id: first.id, name: first.name });
    expect(joinedRow(track!, 'album')).toBeUndefined();
    expect(db.stats.statements).toBe(statements + 1);
  });

  it('are not primed with a whole joined row either, when a relation joined to that row was read in part', async () => {
    const db = new RequestDb(database, 2);
    const loaders = createLoaders(db);
    // The album is read whole (its title, and artistId for the artist), its artist only by id.
    const select = { fields: ['album', 'id'], joins: [['album', ['artist', 'id', 'title'], [['artist', ['id']]]]] as const };
    const [first] = (await loaders.tracksByAlbumId.load({ parentId: 1, page, select })).nodes;
    expect(joinedRow<{ id: number }>(joinedRow(first, 'album')!, 'artist')).toEqual({ id: expect.any(Number) });
    const statements = db.stats.statements;

    const album = await loaders.albumById.load(first.albumId!);
    expect(joinedRow(album!, 'artist')).toBeUndefined();
    expect(db.stats.statements).toBe(statements + 1);
  });

  it('while whole rows are: a later lookup costs no statement', async () => {
    const db = new RequestDb(database, 2);
    const loaders = createLoaders(db);
    const [first] = (await loaders.tracksByAlbumId.load({ parentId: 1, page })).nodes;
    const statements = db.stats.statements;
    expect(await loaders.trackById.load(first.id)).toEqual(first);
    expect(db.stats.statements).toBe(statements);
  });
});
