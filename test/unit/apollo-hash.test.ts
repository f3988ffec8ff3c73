import { createHash } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { apolloCreateHash, hashOnce } from '../../src/graphql/apollo-hash';

// Apollo Server's per-call `module.require('crypto')` is replaced by a hash from crypto loaded once.
describe('the hash Apollo Server finds documents by', () => {
  it('is ours, in the module Apollo Server hashes operations with', async () => {
    expect(apolloCreateHash.createHash).toBe(hashOnce);
    const kinds: string[] = [];
    apolloCreateHash.createHash = (kind) => (kinds.push(kind), hashOnce(kind));
    const apollo = new ApolloServer({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
    try {
      await apollo.start();
      kinds.length = 0;
      const answer = await apollo.executeOperation({ query: '{ ok }' });
      expect(answer.body).toEqual({ kind: 'single', singleResult: { data: { ok: true } } });
      expect(kinds).toEqual(['sha256']);
    } finally {
      apolloCreateHash.createHash = hashOnce;
      await apollo.stop();
    }
  });

  it('is the same SHA-256 as before', () => {
    const text = 'query AlbumById($id: ID!) { album(id: $id) { id title } } é';
    const hash = apolloCreateHash.createHash('sha256') as ReturnType<typeof createHash>;
    expect(hash.update(text).digest('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  });
});
