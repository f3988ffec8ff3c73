import { getIntrospectionQuery } from 'graphql';
import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// Operations run compiled by graphql-jit. graphql-js is the reference: both servers get
// the same requests and must give the same status, data and errors.
const compiled = useTestApi();
const interpreted = useTestApi({ execution: 'graphql-js' });

const FRAGMENTS = /* GraphQL */ `
  query Shapes($withGenre: Boolean!, $skipArtist: Boolean = false, $n: Int) {
    first: albums(first: $n, orderBy: { field: TITLE, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ...AlbumParts } }
    }
    again: albums(first: 2) { nodes { id ... on Album { title } } }
    __typename
  }
  fragment AlbumParts on Album {
    __typename id title trackCount durationMs
    artist @skip(if: $skipArtist) { name albumCount }
    tracks(first: 2) { nodes { name milliseconds unitPrice genre @include(if: $withGenre) { name } mediaType { name } } }
  }`;

// Stack traces (development mode only) differ by executor; everything else must not.
const withoutStacks = (errors: Array<{ extensions?: Record<string, unknown> }> | undefined) =>
  errors?.map(({ extensions: { stacktrace: _stack, ...extensions } = {}, ...error }) => ({ ...error, extensions }));

type Case = [name: string, query: string, variables: Record<string, unknown> | undefined, signedIn: boolean];
const CASES: Case[] = [
  ['introspection', getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true }), undefined, false],
  ['fragments, aliases, directives and variables', FRAGMENTS, { withGenre: true, n: 3 }, false],
  ['directives the other way', FRAGMENTS, { withGenre: false, skipArtist: true }, false],
  ['a variable of the wrong type', FRAGMENTS, { withGenre: 'yes' }, false],
  ['a missing required variable', FRAGMENTS, {}, false],
  ['a resolver error among good fields', `{ version tracks(first: 500) { totalCount } genres(first: 1) { nodes { name } } }`, undefined, false],
  ['a null bubbling from a failed non-null field', `{ album(id: "1") { title } customers(first: 1) { nodes { id } } }`, undefined, false],
  ['decimals, dates and nested lists', `{ me { role customer { firstName invoices(first: 2) { nodes { invoiceDate total lines { nodes { unitPrice quantity track { name } } } } } } } }`, undefined, true],
  ['enums and lists of objects', `{ salesReport(groupBy: GENRE) { key label total quantity invoiceCount } }`, undefined, true],
];

describe('compiled execution', () => {
  it.each(CASES)('answers like graphql-js: %s', async (_name, query, variables, signedIn) => {
    const headers = signedIn ? await authAs(query.includes('salesReport') ? { role: 'employee', employeeId: 1 } : { role: 'customer', customerId: 1 }) : undefined;
    const [a, b] = await Promise.all([compiled.api.query(query, variables, headers), interpreted.api.query(query, variables, headers)]);
    expect(a.status).toBe(b.status);
    expect(a.data).toEqual(b.data);
    expect(withoutStacks(a.errors)).toEqual(withoutStacks(b.errors));
    // Each case must exercise something: data, or an error to compare.
    expect(a.data ?? a.errors).toBeTruthy();
  });

  it('keeps error locations, paths and codes', async () => {
    const res = await compiled.api.query(`{ version tracks(first: 500) { totalCount } }`);
    expect(res.data).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ['tracks'], locations: [{ line: 1, column: 11 }], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argumentName: 'first' }) }),
    ]);
  });
});
