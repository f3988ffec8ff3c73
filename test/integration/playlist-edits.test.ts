import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';
import { sql } from '../helpers/sql';

const env = useTestApi();
let customer: Record<string, string>;
let otherCustomer: Record<string, string>;
let employee: Record<string, string>;
let t: number[];
beforeAll(async () => {
  customer = await authAs({ role: 'customer', customerId: 5 });
  otherCustomer = await authAs({ role: 'customer', customerId: 6 });
  employee = await authAs({ role: 'employee', employeeId: 3 });
  t = (await sql(env.database.url, 'SELECT track_id FROM track ORDER BY track_id LIMIT 300')).map((r) => r.track_id);
});

const TRACKS = 'playlist { id name trackCount tracks(first: 100) { nodes { id } } }';
const create = (name: string, who = customer) => env.api.query(`mutation ($name: String!) { createPlaylist(input: { name: $name }) { ${TRACKS} } }`, { name }, who);
const add = (playlistId: string, trackIds: number[], position?: number, who = customer) =>
  env.api.query(
    `mutation ($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds alreadyPresentTrackIds ${TRACKS} } }`,
    { input: { playlistId, trackIds, position } },
    who,
  );
const remove = (playlistId: string, trackIds: number[], who = customer) =>
  env.api.query(
    `mutation ($input: RemoveTracksFromPlaylistInput!) { removeTracksFromPlaylist(input: $input) { removedTrackIds notPresentTrackIds ${TRACKS} } }`,
    { input: { playlistId, trackIds } },
    who,
  );
const move = (playlistId: string, trackIds: number[], position: number, who = customer) =>
  env.api.query(`mutation ($input: MoveTracksInPlaylistInput!) { moveTracksInPlaylist(input: $input) { ${TRACKS} } }`, { input: { playlistId, trackIds, position } }, who);
const ids = (res: { data?: any }, field: string) => res.data[field].playlist.tracks.nodes.map((n: { id: string }) => Number(n.id));
const str = (list: number[]) => list.map(String);

/** Playlists whose positions are not 0, 1, 2 … n-1. */
const gaps = () =>
  sql(env.database.url, 'SELECT playlist_id FROM playlist_track GROUP BY playlist_id HAVING min(position) <> 0 OR max(position) <> count(*) - 1');

describe('playlist edits', () => {
  let id: string;
  beforeAll(async () => {
    const res = await create('Road trip');
    expect(res.errors).toBeUndefined();
    id = res.data.createPlaylist.playlist.id;
  });

  it('creates an empty playlist for its customer', async () => {
    const res = await create('  Morning  ');
    expect(res.data.createPlaylist.playlist).toMatchObject({ name: 'Morning', trackCount: 0, tracks: { nodes: [] } });
    const [row] = await sql(env.database.url, 'SELECT customer_id FROM playlist WHERE playlist_id = $1', [res.data.createPlaylist.playlist.id]);
    expect(row.customer_id).toBe(5);
  });

  it('lists tracks in the order given, inserts at a position, and reports tracks already present', async () => {
    let res = await add(id, [t[3], t[1], t[2]]);
    expect(res.errors).toBeUndefined();
    expect(ids(res, 'addTracksToPlaylist')).toEqual([t[3], t[1], t[2]]);
    res = await add(id, [t[10]], 1);
    expect(ids(res, 'addTracksToPlaylist')).toEqual([t[3], t[10], t[1], t[2]]);
    res = await add(id, [t[1], t[11], t[11]]);
    expect(res.errors).toBeUndefined();
    expect(res.data.addTracksToPlaylist).toMatchObject({ addedTrackIds: str([t[11]]), alreadyPresentTrackIds: str([t[1]]) });
    expect(ids(res, 'addTracksToPlaylist')).toEqual([t[3], t[10], t[1], t[2], t[11]]);
    res = await add(id, [t[12]], 0);
    expect(ids(res, 'addTracksToPlaylist')).toEqual([t[12], t[3], t[10], t[1], t[2], t[11]]);
    expect(res.data.addTracksToPlaylist.playlist.trackCount).toBe(6);
  });

  it('pages through the playlist in its order', async () => {
    const first = await env.api.query(`query ($id: ID!) { playlist(id: $id) { tracks(first: 2) { nodes { id } pageInfo { endCursor hasNextPage } } } }`, { id });
    const page = first.data.playlist.tracks;
    expect(page.nodes.map((n: { id: string }) => Number(n.id))).toEqual([t[12], t[3]]);
    const next = await env.api.query(`query ($id: ID!, $after: String) { playlist(id: $id) { tracks(first: 3, after: $after) { nodes { id } } } }`, { id, after: page.pageInfo.endCursor });
    expect(next.data.playlist.tracks.nodes.map((n: { id: string }) => Number(n.id))).toEqual([t[10], t[1], t[2]]);
    const last = await env.api.query(`query ($id: ID!) { playlist(id: $id) { tracks(last: 2) { nodes { id } } } }`, { id });
    expect(last.data.playlist.tracks.nodes.map((n: { id: string }) => Number(n.id))).toEqual([t[2], t[11]]);
  });

  it('moves tracks to a position among the others', async () => {
    let res = await move(id, [t[2], t[12]], 1);
    expect(res.errors).toBeUndefined();
    expect(ids(res, 'moveTracksInPlaylist')).toEqual([t[3], t[2], t[12], t[10], t[1], t[11]]);
    res = await move(id, [t[3]], 99);
    expect(ids(res, 'moveTracksInPlaylist')).toEqual([t[2], t[12], t[10], t[1], t[11], t[3]]);
    res = await move(id, [t[3], t[200]], 0);
    expect(res.errors?.[0]).toMatchObject({ message: `Track ${t[200]} not in playlist ${id}`, extensions: { code: 'NOT_FOUND', argumentName: 'input.trackIds[1]' } });
  });

  it('removes tracks, closes the gap and reports tracks not present', async () => {
    const res = await remove(id, [t[12], t[250], t[1]]);
    expect(res.errors).toBeUndefined();
    expect(res.data.removeTracksFromPlaylist).toMatchObject({ removedTrackIds: str([t[12], t[1]]), notPresentTrackIds: str([t[250]]) });
    expect(ids(res, 'removeTracksFromPlaylist')).toEqual([t[2], t[10], t[11], t[3]]);
    expect(await gaps()).toEqual([]);
  });

  it('adds nothing when a track does not exist: NOT_FOUND naming it', async () => {
    const res = await add(id, [t[20], 99_999_999]);
    expect(res.errors?.[0]).toMatchObject({ message: 'Track 99999999 not found', extensions: { code: 'NOT_FOUND', argumentName: 'input.trackIds[1]' } });
    const after = await env.api.query(`query ($id: ID!) { playlist(id: $id) { trackCount } }`, { id });
    expect(after.data.playlist.trackCount).toBe(4);
  });

  it('refuses bad input with the path of the bad field', async () => {
    expect((await add(id, [])).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.trackIds' });
    const bad = await env.api.query('mutation { addTracksToPlaylist(input: { playlistId: 1, trackIds: [1, "x"] }) { addedTrackIds } }', {}, customer);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.trackIds[1]' });
    expect((await add(id, [t[0]], -1)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.position' });
    expect((await create(' ')).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'input.name' });
  });

  it('renames and deletes', async () => {
    const made = (await create('Temp')).data.createPlaylist.playlist.id;
    await add(made, [t[0], t[1]]);
    const renamed = await env.api.query(`mutation ($id: ID!) { renamePlaylist(input: { playlistId: $id, name: "Kept" }) { playlist { id name } } }`, { id: made }, customer);
    expect(renamed.data.renamePlaylist.playlist).toEqual({ id: made, name: 'Kept' });
    const deleted = await env.api.query(`mutation ($id: ID!) { deletePlaylist(input: { playlistId: $id }) { deletedPlaylistId } }`, { id: made }, customer);
    expect(deleted.data.deletePlaylist.deletedPlaylistId).toBe(made);
    expect((await env.api.query(`query ($id: ID!) { playlist(id: $id) { id } }`, { id: made })).data.playlist).toBeNull();
    const again = await env.api.query(`mutation ($id: ID!) { deletePlaylist(input: { playlistId: $id }) { deletedPlaylistId } }`, { id: made }, customer);
    expect(again.errors?.[0]).toMatchObject({ message: `Playlist ${made} not found`, extensions: { code: 'NOT_FOUND' } });
  });
});

describe('who may edit which playlist', () => {
  it('lets only the owning customer edit a customer’s playlist', async () => {
    const id = (await create('Mine')).data.createPlaylist.playlist.id;
    expect((await add(id, [t[0]], undefined, otherCustomer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await add(id, [t[0]], undefined, employee)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await add(id, [t[0]], undefined, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await add(id, [t[0]])).errors).toBeUndefined();
  });

  it('lets employees, not customers, edit the store’s playlists', async () => {
    const store = (await create('Staff picks', employee)).data.createPlaylist.playlist.id;
    expect((await add(store, [t[0]], undefined, customer)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await add(store, [t[0]], undefined, employee)).errors).toBeUndefined();
    // A seeded playlist is the store's.
    const seeded = await add('1', [t[299]], 0, employee);
    expect(seeded.errors).toBeUndefined();
    expect(ids(seeded, 'addTracksToPlaylist')[0]).toBe(t[299]);
  });
});

describe('playlist edit statements', () => {
  it('cost the same for 1 track as for 100', async () => {
    const a = (await create('Small')).data.createPlaylist.playlist.id;
    const b = (await create('Large')).data.createPlaylist.playlist.id;
    const one = await add(a, [t[0]]);
    const hundred = await add(b, t.slice(0, 100));
    expect(hundred.errors).toBeUndefined();
    expect(hundred.data.addTracksToPlaylist.playlist.tracks.nodes).toHaveLength(100);
    expect(hundred.telemetry.statements).toBe(one.telemetry.statements);
    const removeOne = await remove(a, [t[0]]);
    const removeHundred = await remove(b, t.slice(0, 100));
    expect(removeHundred.telemetry.statements).toBe(removeOne.telemetry.statements);
    const bare = (trackIds: number[]) =>
      env.api.query(`mutation ($input: AddTracksToPlaylistInput!) { addTracksToPlaylist(input: $input) { addedTrackIds } }`, { input: { playlistId: b, trackIds } }, customer);
    const [bareOne, bareHundred] = [await bare([t[0]]), await bare(t.slice(100, 200))];
    // BEGIN, lock the playlist, the edit, COMMIT.
    expect(bareOne.telemetry.statements).toBe(4);
    expect(bareHundred.telemetry.statements).toBe(4);
    console.log(`playlist statements: add 1 ${one.telemetry.statements}, add 100 ${hundred.telemetry.statements} (with the playlist and its tracks); bare add 1 ${bareOne.telemetry.statements}, add 100 ${bareHundred.telemetry.statements}`);
  });
});

describe('concurrent edits of one playlist', () => {
  it('leave positions contiguous and no duplicates when 20 clients add and remove at once', async () => {
    const id = (await create('Busy')).data.createPlaylist.playlist.id;
    await add(id, t.slice(0, 30));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? add(id, [t[30 + i], t[31 + i], t[i]], i % 3 === 0 ? 0 : i) : remove(id, [t[i], t[29 - i]]),
      ),
    );
    for (const res of results) expect(res.errors).toBeUndefined();
    expect(await gaps()).toEqual([]);
    const rows = await sql(env.database.url, 'SELECT track_id, position FROM playlist_track WHERE playlist_id = $1 ORDER BY position', [id]);
    expect(new Set(rows.map((r) => r.track_id)).size).toBe(rows.length);
    expect(rows.map((r) => r.position)).toEqual(rows.map((_, i) => i));
    const listed = await env.api.query(`query ($id: ID!) { playlist(id: $id) { trackCount tracks(first: 100) { nodes { id } } } }`, { id });
    expect(listed.data.playlist.tracks.nodes.map((n: { id: string }) => Number(n.id))).toEqual(rows.map((r) => r.track_id));
  });
});
