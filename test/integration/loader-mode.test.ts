import { createLoaders } from '../../src/loaders';
import { useTestApi } from '../helpers/api';

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
    expect((await batched.api.query(QUERY)).telemetry.statements).toBe(3);
  });
});
