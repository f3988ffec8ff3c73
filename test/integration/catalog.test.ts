import { useTestApi } from '../helpers/api';

const env = useTestApi();

const ALBUMS_NESTED = `query ($tracks: Int) {
  albums(first: 50) {
    nodes { id title artist { id name } tracks(first: $tracks) { nodes { id name albumId: album { id } genre { name } } } }
  }
}`;

describe('statement budgets', () => {
  it.each([5, 20, 100])('loads 50 albums with artist, %i tracks each and their genres in at most 4 statements', async (pageSize) => {
    const res = await env.api.query(ALBUMS_NESTED, { tracks: pageSize });
    expect(res.errors).toBeUndefined();
    const albums = res.data.albums.nodes;
    expect(albums).toHaveLength(50);
    // Seeded albums hold ~10 tracks, so a small page must cut some of them off.
    const trackCounts = albums.map((a: any) => a.tracks.nodes.length);
    expect(Math.max(...trackCounts)).toBeLessThanOrEqual(pageSize);
    if (pageSize === 5) expect(Math.max(...trackCounts)).toBe(5);
    for (const album of albums) {
      expect(album.artist.name).toEqual(expect.any(String));
      for (const track of album.tracks.nodes) expect(track.albumId.id).toBe(album.id);
    }
    // albums, artists, tracks (window), genres; Track.album hits the loader cache.
    expect(res.telemetry.statements).toBeLessThanOrEqual(4);
  });

  it('serves the track level of many albums from one batch', async () => {
    const res = await env.api.query(ALBUMS_NESTED, { tracks: 10 });
    const tracksBatches = res.telemetry.batches.filter((b) => b.loader === 'tracksByAlbumId');
    expect(tracksBatches).toEqual([{ loader: 'tracksByAlbumId', size: 50 }]);
  });

  it('loads artists with albums, album tracks and track media types in 4 statements', async () => {
    const res = await env.api.query(`{ artists(first: 40) { nodes { name albums(first: 3) { nodes { title tracks(first: 4) { nodes { mediaType { name } } } } } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.artists.nodes).toHaveLength(40);
    expect(res.telemetry.statements).toBeLessThanOrEqual(4);
  });

  it('loads genres with their first tracks in 2 statements, however large the genres', async () => {
    const res = await env.api.query(`{ genres(first: 25) { nodes { name tracks(first: 3) { nodes { id } } } } }`);
    expect(res.errors).toBeUndefined();
    for (const genre of res.data.genres.nodes) expect(genre.tracks.nodes.length).toBeLessThanOrEqual(3);
    expect(res.telemetry.statements).toBe(2);
  });

  it('counts nested totals with one grouped statement per level', async () => {
    const res = await env.api.query(`{ albums(first: 30) { totalCount nodes { tracks(first: 1) { totalCount } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.albums.totalCount).toBe(350);
    // albums page, albums count, tracks page, tracks count
    expect(res.telemetry.statements).toBe(4);
  });
});

describe('lookups and lists', () => {
  it('returns an album by id with its artist and tracks', async () => {
    const res = await env.api.query(`{ album(id: 1) { id title artist { id } tracks { totalCount nodes { id unitPrice milliseconds mediaType { name } } } } }`);
    expect(res.errors).toBeUndefined();
    const album = res.data.album;
    expect(album.id).toBe('1');
    expect(album.artist.id).toBe('1');
    expect(album.tracks.nodes.length).toBe(Math.min(20, album.tracks.totalCount));
    for (const track of album.tracks.nodes) expect(track.unitPrice).toMatch(/^\d+\.\d{2}$/);
  });

  it('returns null for a missing row and BAD_USER_INPUT for a malformed id', async () => {
    const missing = await env.api.query(`{ track(id: 999999) { id } }`);
    expect(missing.data.track).toBeNull();
    const bad = await env.api.query(`{ track(id: "abc") { id } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by a case-insensitive title substring', async () => {
    const res = await env.api.query(`{ albums(first: 100, filter: { titleContains: "WAVES" }) { nodes { title } } }`);
    expect(res.data.albums.nodes.length).toBeGreaterThan(0);
    for (const album of res.data.albums.nodes) expect(album.title.toLowerCase()).toContain('waves');
  });

  it('walks every artist exactly once, in name order, page by page', async () => {
    const seen: Array<{ id: string; name: string }> = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await env.api.query(`query ($after: String) { artists(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id name } } }`, { after });
      seen.push(...res.data.artists.nodes);
      if (!res.data.artists.pageInfo.hasNextPage) break;
      after = res.data.artists.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(275);
    expect(new Set(seen.map((a) => a.id)).size).toBe(275);
    const sorted = [...seen].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.id) - Number(b.id)));
    expect(seen).toEqual(sorted);
  });

  it('rejects pages above 100 rows and foreign cursors with BAD_USER_INPUT', async () => {
    const big = await env.api.query(`{ tracks(first: 101) { nodes { id } } }`);
    expect(big.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(big.errors?.[0].message).toContain('101');
    const cursor = await env.api.query(`{ tracks(after: "not-a-cursor") { nodes { id } } }`);
    expect(cursor.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('landing page', () => {
  it('serves GraphiQL to browsers outside production, from the API itself: no CDN', async () => {
    const page = await fetch(env.api.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<script src="/explorer/graphiql.js">');
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'start.js', 'graphiql.css', 'page.css']) {
      const res = await fetch(new URL(`/explorer/${asset}`, env.api.url));
      expect([asset, res.status, res.headers.get('content-type')]).toEqual([asset, 200, expect.stringMatching(asset.endsWith('.css') ? /^text\/css/ : /javascript/)]);
    }
    expect((await fetch(new URL('/explorer/constructor', env.api.url))).status).toBe(404);
  });
});
