import { createLoaders } from '../../src/loaders';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// The benchmark's naive baseline: the same resolvers with batching off. It must answer
// exactly like the product, one statement per parent, or the comparison means nothing.
const batched = useTestApi();
// The N+1 pattern, composed from the product's loader factories as the benchmark does.
const perParent = useTestApi({ loaders: (db) => createLoaders(db, { batch: false, joins: false }) });

const QUERY = `{ albums(first: 5) { nodes { title artist { name } tracks(first: 3) { nodes { name genre { name } } } } } }`;

describe('per-parent loader mode', () => {
  it('answers like the batched product', async () => {
    const [a, b] = await Promise.all([batched.api.query(QUERY), perParent.api.query(QUERY)]);
    expect(a.errors).toBeUndefined();
    expect(b.data).toEqual(a.data);
  });

  it('sends one statement per parent and per related row', async () => {
    const res = await perParent.api.query(QUERY);
    const albums = res.data.albums.nodes as Array<{ tracks: { nodes: Array<{ genre: unknown }> } }>;
    const genres = albums.flatMap((a) => a.tracks.nodes).filter((t) => t.genre !== null).length;
    // The album page, then per album its artist and its tracks, then per track its genre.
    expect(res.telemetry.statements).toBe(1 + albums.length * 2 + genres);
    // Batched: the album page with its artists, then the tracks' pages with their genres.
    expect((await batched.api.query(QUERY)).telemetry.statements).toBe(2);
  });

  it('answers like it where relations of joined rows ride in their page (a track\'s album\'s artist)', async () => {
    const playlists = `{ playlists(first: 4) { nodes { name tracks(first: 5) { nodes { name album { title artist { id name } } genre { name } } } } } }`;
    const lines = `{ customers(first: 4) { nodes { invoices(first: 2) { nodes { lines { nodes { track { name album { title artist { name } } mediaType { name } } } } } } } } }`;
    for (const [query, statements] of [[playlists, 2], [lines, 3]] as const) {
      const manager = await authAs({ role: 'employee', employeeId: 1 });
      const [a, b] = await Promise.all([batched.api.query(query, {}, manager), perParent.api.query(query, {}, manager)]);
      expect(a.errors).toBeUndefined();
      expect(JSON.stringify(a.data)).toMatch(/"artist":\{"(id|name)"/);
      expect(b.data).toEqual(a.data);
      expect(a.telemetry.statements).toBe(statements);
    }
  });
});
