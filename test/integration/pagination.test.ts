import pg from 'pg';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

const env = useTestApi();
let manager: Record<string, string>;
beforeAll(async () => {
  manager = await authAs({ role: 'employee', employeeId: 1 });
});

async function expectedIds(sql: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: env.database.url });
  await client.connect();
  try {
    return (await client.query<{ id: number }>(sql)).rows.map((r) => String(r.id));
  } finally {
    await client.end();
  }
}

/** Walks a list in pages of 37 forward, then backward, returning the ids seen each way. */
async function walk(field: string, args: string, headers: Record<string, string> = {}) {
  const forward: string[] = [];
  for (let after: string | null = null; ; ) {
    const res: any = await env.api.query(`query ($after: String) { ${field}(first: 37, after: $after${args}) { pageInfo { hasNextPage endCursor } nodes { id } } }`, { after }, headers);
    expect(res.errors).toBeUndefined();
    forward.push(...res.data[field].nodes.map((n: { id: string }) => n.id));
    if (!res.data[field].pageInfo.hasNextPage) break;
    after = res.data[field].pageInfo.endCursor;
  }
  const backward: string[] = [];
  for (let before: string | null = null; ; ) {
    const res: any = await env.api.query(`query ($before: String) { ${field}(last: 37, before: $before${args}) { pageInfo { hasPreviousPage startCursor } nodes { id } } }`, { before }, headers);
    expect(res.errors).toBeUndefined();
    backward.unshift(...res.data[field].nodes.map((n: { id: string }) => n.id));
    if (!res.data[field].pageInfo.hasPreviousPage) break;
    before = res.data[field].pageInfo.startCursor;
  }
  return { forward, backward };
}

const ORDERINGS: Array<[list: string, args: string, sql: string, asEmployee: boolean]> = [
  ['artists', '', 'SELECT artist_id AS id FROM artist ORDER BY name, artist_id', false],
  ['artists', ', orderBy: { field: NAME, direction: DESC }', 'SELECT artist_id AS id FROM artist ORDER BY name DESC, artist_id DESC', false],
  ['albums', '', 'SELECT album_id AS id FROM album ORDER BY title, album_id', false],
  ['albums', ', orderBy: { field: ID, direction: DESC }', 'SELECT album_id AS id FROM album ORDER BY album_id DESC', false],
  ['tracks', ', orderBy: { field: UNIT_PRICE }', 'SELECT track_id AS id FROM track ORDER BY unit_price, track_id', false],
  ['tracks', ', orderBy: { field: MILLISECONDS, direction: DESC }, filter: { genreId: 1 }', 'SELECT track_id AS id FROM track WHERE genre_id = 1 ORDER BY milliseconds DESC, track_id DESC', false],
  ['tracks', ', orderBy: { field: NAME }, filter: { maxPrice: "0.99" }', "SELECT track_id AS id FROM track WHERE unit_price <= 0.99 ORDER BY name, track_id", false],
  ['genres', '', 'SELECT genre_id AS id FROM genre ORDER BY name, genre_id', false],
  ['playlists', '', 'SELECT playlist_id AS id FROM playlist ORDER BY name, playlist_id', false],
  ['playlists', ', orderBy: { field: ID, direction: DESC }', 'SELECT playlist_id AS id FROM playlist ORDER BY playlist_id DESC', false],
  ['genres', ', orderBy: { field: ID }', 'SELECT genre_id AS id FROM genre ORDER BY genre_id', false],
  ['mediaTypes', ', orderBy: { field: NAME, direction: DESC }', 'SELECT media_type_id AS id FROM media_type ORDER BY name DESC, media_type_id DESC', false],
  ['employees', ', orderBy: { field: LAST_NAME }', 'SELECT employee_id AS id FROM employee ORDER BY last_name, employee_id', true],
  ['customers', ', orderBy: { field: COUNTRY }', 'SELECT customer_id AS id FROM customer ORDER BY country, customer_id', true],
  ['customers', ', orderBy: { field: LAST_NAME, direction: DESC }', 'SELECT customer_id AS id FROM customer ORDER BY last_name DESC, customer_id DESC', true],
  ['invoices', '', 'SELECT invoice_id AS id FROM invoice ORDER BY invoice_date DESC, invoice_id DESC', true],
  ['invoices', ', orderBy: { field: TOTAL, direction: ASC }', 'SELECT invoice_id AS id FROM invoice ORDER BY total, invoice_id', true],
];

describe('paging through top-level lists', () => {
  it.each(ORDERINGS)('%s%s returns every row once, in order, forward and backward', async (list, args, sql, asEmployee) => {
    const expected = await expectedIds(sql);
    const { forward, backward } = await walk(list, args, asEmployee ? manager : {});
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
  });
});

describe('paging through nested lists', () => {
  it('walks the tracks of a genre forward and backward', async () => {
    const expected = await expectedIds('SELECT track_id AS id FROM track WHERE genre_id = 2 ORDER BY track_id');
    const seen: string[] = [];
    for (let after: string | null = null; ; ) {
      const res: any = await env.api.query(`query ($after: String) { genre(id: 2) { tracks(first: 30, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } } }`, { after });
      const page = res.data.genre.tracks;
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    const last: any = await env.api.query(`{ genre(id: 2) { tracks(last: 7) { pageInfo { hasPreviousPage } nodes { id } } } }`);
    expect(last.data.genre.tracks.nodes.map((n: { id: string }) => n.id)).toEqual(expected.slice(-7));
    expect(last.data.genre.tracks.pageInfo.hasPreviousPage).toBe(expected.length > 7);
  });

  it('walks a playlist through its join table', async () => {
    const expected = await expectedIds('SELECT track_id AS id FROM playlist_track WHERE playlist_id = 3 ORDER BY track_id');
    const res: any = await env.api.query(`{ playlist(id: 3) { trackCount tracks(first: 100) { edges { cursor node { id } } } } }`);
    expect(res.data.playlist.trackCount).toBe(expected.length);
    const firstPage = res.data.playlist.tracks.edges.map((e: any) => e.node.id);
    expect(firstPage).toEqual(expected.slice(0, 100));
    const next: any = await env.api.query(`query ($after: String) { playlist(id: 3) { tracks(first: 100, after: $after) { nodes { id } } } }`, { after: res.data.playlist.tracks.edges.at(-1).cursor });
    expect(next.data.playlist.tracks.nodes.map((n: { id: string }) => n.id)).toEqual(expected.slice(100, 200));
  });
});

describe('Query.playlists', () => {
  // Names shared by many playlists: a page boundary falls inside a run of equal names,
  // where only the id in the cursor tells the next page where to start.
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: env.database.url });
    await client.connect();
    try {
      await client.query(`INSERT INTO playlist (name) SELECT CASE WHEN n % 2 = 0 THEN 'Road Trip' ELSE 'Quiet Hours' END FROM generate_series(1, 90) AS n`);
    } finally {
      await client.end();
    }
  });

  it.each([
    ['', 'SELECT playlist_id AS id FROM playlist ORDER BY name, playlist_id'],
    [', orderBy: { field: NAME, direction: DESC }', 'SELECT playlist_id AS id FROM playlist ORDER BY name DESC, playlist_id DESC'],
    [', filter: { nameContains: "road trip" }, orderBy: { field: NAME }', "SELECT playlist_id AS id FROM playlist WHERE name ILIKE '%road trip%' ORDER BY name, playlist_id"],
  ])('pages by a name many playlists share (%s): every playlist once, in order, both ways', async (args, sql) => {
    const expected = await expectedIds(sql);
    expect(expected.length).toBeGreaterThan(37);
    const { forward, backward } = await walk('playlists', args);
    expect(forward).toEqual(expected);
    expect(backward).toEqual(expected);
  });

  it("refuses a cursor of one ordering in another: the cursor holds its ordering's values", async () => {
    const byName: any = await env.api.query(`{ playlists(first: 2) { pageInfo { endCursor } } }`);
    const cursor = byName.data.playlists.pageInfo.endCursor;
    const byId: any = await env.api.query(`query ($after: String) { playlists(first: 2, after: $after, orderBy: { field: ID }) { nodes { id } } }`, { after: cursor });
    expect(byId.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(byId.errors[0].message).toContain('Playlist(id)');
    const descending: any = await env.api.query(`query ($after: String) { playlists(first: 2, after: $after, orderBy: { field: NAME, direction: DESC }) { nodes { id } } }`, { after: cursor });
    expect(descending.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
