import { createRequire } from 'node:module';
// Only the server's Apollo module, not apollo-hash itself: loading it must apply the patch.
import { createApollo } from '../../src/graphql/apollo';

describe("the server's Apollo Server", () => {
  it('hashes documents with crypto loaded once as soon as the server module is loaded', () => {
    expect(typeof createApollo).toBe('function');
    const apolloCreateHash = createRequire(require.resolve('@apollo/server'))('@apollo/utils.createhash') as { createHash: { name: string } };
    expect(apolloCreateHash.createHash.name).toBe('hashOnce');
  });
});
