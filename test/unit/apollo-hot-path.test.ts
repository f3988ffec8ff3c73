import { createHash } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloMimeType, ApolloNegotiator, apolloCreateHash, hashOnce, remembered } from '../../src/graphql/apollo-hot-path';

const TYPES = ['application/json', 'application/graphql-response+json', 'application/json; callback'];
const negotiated = (accept: string | undefined, types = TYPES) => new ApolloNegotiator({ headers: { accept } }).mediaType(types);

// Apollo Server's per-request SHA-256, Accept negotiation and Content-Type parse, remembered.
describe('the computations Apollo Server repeats on every request', () => {
  it('hashes with ours, in the module Apollo Server hashes operations with', async () => {
    expect(apolloCreateHash.createHash).toBe(hashOnce);
    const kinds: string[] = [];
    apolloCreateHash.createHash = (kind: string) => (kinds.push(kind), hashOnce(kind));
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

  it('gives the same SHA-256 as crypto, remembered or not, however it is fed', () => {
    const text = 'query AlbumById($id: ID!) { album(id: $id) { id title } } é';
    const expected = createHash('sha256').update(text).digest('hex');
    const sha256 = () => apolloCreateHash.createHash('sha256') as ReturnType<typeof createHash>;
    expect(sha256().update(text).digest('hex')).toBe(expected);
    expect(sha256().update(text).digest('hex')).toBe(expected);
    expect(sha256().update(text.slice(0, 10)).update(text.slice(10)).digest('hex')).toBe(expected);
    expect(sha256().update(Buffer.from(text)).digest('hex')).toBe(expected);
    expect(sha256().update(text).digest('base64')).toBe(createHash('sha256').update(text).digest('base64'));
    expect(sha256().update(text).digest()).toEqual(createHash('sha256').update(text).digest());
    expect((apolloCreateHash.createHash('sha512') as ReturnType<typeof createHash>).update(text).digest('hex')).toBe(createHash('sha512').update(text).digest('hex'));
  });

  it.each([
    ['no header', undefined],
    ['any type', '*/*'],
    ['an empty header', ''],
    ['GraphQL over HTTP first', 'application/graphql-response+json, application/json;q=0.9'],
    ['nothing offered', 'text/html'],
  ])('negotiates Accept as Negotiator does, asked again or not: %s', (_name, accept) => {
    const first = negotiated(accept);
    expect(negotiated(accept)).toBe(first);
    expect(negotiated(accept, [...TYPES].reverse())).toBe(accept === undefined || accept === '*/*' ? TYPES[2] : first);
  });

  it('keeps Negotiator’s answers for the headers Apollo sees', () => {
    expect(negotiated(undefined)).toBe('application/json');
    expect(negotiated('*/*')).toBe('application/json');
    expect(negotiated('application/graphql-response+json, application/json;q=0.9')).toBe('application/graphql-response+json');
    expect(negotiated('text/html')).toBeUndefined();
    expect(negotiated('')).toBeUndefined();
  });

  it('parses Content-Type as whatwg-mimetype does, null for what does not parse', () => {
    expect(ApolloMimeType.parse('Application/JSON; charset=utf-8')?.essence).toBe('application/json');
    expect(ApolloMimeType.parse('Application/JSON; charset=utf-8')?.essence).toBe('application/json');
    expect(ApolloMimeType.parse('text/plain')?.essence).toBe('text/plain');
    expect(ApolloMimeType.parse('not a type')).toBeNull();
    expect(ApolloMimeType.parse('not a type')).toBeNull();
  });
});

describe('remembered', () => {
  it('computes each input once while it is remembered, and forgets all once a bound is reached', () => {
    const computed: string[] = [];
    const upper = remembered((s) => (computed.push(s), s.toUpperCase()), 2, 10);
    expect([upper('a'), upper('a'), upper('b'), upper('b')]).toEqual(['A', 'A', 'B', 'B']);
    expect(computed).toEqual(['a', 'b']);
    upper('c'); // the third entry: all forgotten, then c remembered
    upper('a');
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
    expect(upper('longer than ten')).toBe('LONGER THAN TEN');
    upper('longer than ten');
    expect(computed.filter((s) => s === 'longer than ten')).toHaveLength(2);
  });

  it('remembers undefined and null results too', () => {
    let calls = 0;
    const nothing = remembered(() => (calls++, undefined), 10, 100);
    nothing('x');
    nothing('x');
    expect(calls).toBe(1);
  });
});
