import { createRequire } from 'node:module';
// Only the server's Apollo module, not apollo-hot-path itself: loading it must apply the patch.
import { createApollo } from '../../src/graphql/apollo';

describe("the server's Apollo Server", () => {
  it('remembers its per-request computations as soon as the server module is loaded', () => {
    expect(typeof createApollo).toBe('function');
    const apolloCreateHash = createRequire(require.resolve('@apollo/server'))('@apollo/utils.createhash') as { createHash: { name: string } };
    expect(apolloCreateHash.createHash.name).toBe('hashOnce');
    // Negotiator's own alias still names the original.
    const negotiator = createRequire(require.resolve('@apollo/server'))('negotiator') as { prototype: Record<string, unknown> };
    expect(negotiator.prototype.mediaType).not.toBe(negotiator.prototype.preferredMediaType);
  });
});
