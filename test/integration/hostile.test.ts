import { SignJWT } from 'jose';
import { useTestApi } from '../helpers/api';
import { signToken } from '../../src/auth/token';
import { encodeCursor } from '../../src/graphql/connections';

// In production mode, as deployed: no stack traces, no telemetry.
const JWT_SECRET = 'a-production-secret-of-at-least-32-characters';
const env = useTestApi({ env: { NODE_ENV: 'production', JWT_SECRET } });

interface Attack {
  name: string;
  /** The raw HTTP request: a body string (POSTed as JSON unless `contentType`), or a GET path. */
  body?: string;
  get?: string;
  contentType?: string;
  headers?: () => Promise<Record<string, string>>;
  status: number;
  code: string;
}

const gql = (query: string, variables?: unknown) => JSON.stringify({ query, variables });
const fragmentBomb = (levels: number, leaf: string) => {
  let fragments = `fragment F0 on Album { ${leaf} }\n`;
  for (let i = 1; i < levels; i++) fragments += `fragment F${i} on Album { ...F${i - 1} ...F${i - 1} }\n`;
  return `{ albums { nodes { ...F${levels - 1} } } }\n${fragments}`;
};
const deepFragments = (levels: number) => {
  let fragments = 'fragment D0 on Album { title }\n';
  for (let i = 1; i < levels; i++) fragments += `fragment D${i} on Album { tracks { nodes { album { ...D${i - 1} } } } }\n`;
  return `{ albums { nodes { ...D${levels - 1} } } }\n${fragments}`;
};
const nested = (levels: number) => {
  let inner = 'title';
  for (let i = 0; i < levels; i++) inner = `tracks { nodes { album { ${inner} } } }`;
  return `{ albums { nodes { ${inner} } } }`;
};
const secret = new TextEncoder().encode(JWT_SECRET);
const bearer = (token: string) => async () => ({ authorization: `Bearer ${token}` });
const jwt = () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer('media-store').setAudience('media-store-api');
const cursor = (name: string, ...values: unknown[]) => encodeCursor({ name, types: [] }, values);

const attacks: Attack[] = [
  // Malformed HTTP bodies
  { name: 'body that is not JSON', body: '{"query": "{ artists', status: 400, code: 'BAD_REQUEST' },
  { name: 'JSON array body', body: '[]', status: 400, code: 'BAD_REQUEST' },
  { name: 'query that is a number', body: '{"query": 42}', status: 400, code: 'BAD_REQUEST' },
  { name: 'no query at all', body: '{}', status: 400, code: 'BAD_REQUEST' },
  { name: 'variables that are a string', body: '{"query": "{ version }", "variables": "x"}', status: 400, code: 'BAD_REQUEST' },
  { name: 'body over 1 MB', body: gql(`{ version }`, { pad: 'x'.repeat(1_100_000) }), status: 413, code: 'DOCUMENT_TOO_LARGE' },
  { name: 'text/plain body', body: 'hello', contentType: 'text/plain', status: 400, code: 'BAD_REQUEST' },
  { name: 'unknown route', get: '/nope', status: 404, code: 'NOT_FOUND' },
  { name: 'GET with a broken document', get: '/graphql?query=%7B%20artists', status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  // Documents over a limit
  { name: 'document over 32 KiB', body: gql(`{ version } # ${'x'.repeat(40_000)}`), status: 413, code: 'DOCUMENT_TOO_LARGE' },
  { name: 'document of too many tokens', body: gql(`{ ${'version '.repeat(3_500)} }`), status: 400, code: 'TOO_MANY_TOKENS' },
  { name: '40-level fragment bomb', body: gql(fragmentBomb(40, 'title artist { name }')), status: 400, code: 'TOO_MANY_FIELDS' },
  { name: 'fragment bomb of aliases', body: gql(fragmentBomb(30, 'a: title b: title')), status: 400, code: 'TOO_MANY_ALIASES' },
  { name: 'depth hidden in fragments', body: gql(deepFragments(8)), status: 400, code: 'QUERY_TOO_DEEP' },
  { name: 'six levels of default-size pages', body: gql(nested(6)), status: 400, code: 'QUERY_TOO_DEEP' },
  { name: 'cost of nested pages within the depth limit', body: gql(`{ genres { nodes { tracks { nodes { playlists { nodes { tracks { nodes { name } } } } } } } } }`), status: 400, code: 'QUERY_TOO_COSTLY' },
  { name: 'cost asked through variables', body: gql(`query ($n: Int) { albums(first: $n) { nodes { tracks(first: $n) { nodes { playlists(first: $n) { nodes { name } } } } } } }`, { n: 100 }), status: 400, code: 'QUERY_TOO_COSTLY' },
  { name: '60 aliases of a heavy field', body: gql(`{ ${Array.from({ length: 60 }, (_, i) => `a${i}: albums { nodes { title } }`).join(' ')} }`), status: 400, code: 'TOO_MANY_ALIASES' },
  { name: '60 directives', body: gql(`{ albums { nodes { ${'title @include(if: true) '.repeat(60)} } } }`), status: 400, code: 'TOO_MANY_DIRECTIVES' },
  { name: 'deep introspection', body: gql(`{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  // Operations the schema does not have
  { name: 'syntax error', body: gql(`{ artists(first: ) { nodes { name } } }`), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'unknown field', body: gql(`{ artists { nodes { password } } }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'mutation operation', body: gql(`mutation { version }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'subscription operation', body: gql(`subscription { version }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'two operations and no operation name', body: gql('query A { version } query B { version }'), status: 400, code: 'BAD_REQUEST' },
  { name: 'unknown operation name', body: JSON.stringify({ query: 'query A { version }', operationName: 'B' }), status: 400, code: 'BAD_REQUEST' },
  // Wrong types and out-of-range values
  { name: 'page size over the cap', body: gql(`{ albums(first: 1000) { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'negative page size', body: gql(`{ albums(last: -1) { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'page size that is a string', body: gql(`{ albums(first: "ten") { nodes { title } } }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'page size over 32 bits', body: gql(`{ albums(first: 9999999999) { nodes { title } } }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'variable of the wrong type', body: gql(`query ($n: Int) { albums(first: $n) { nodes { title } } }`, { n: 'x' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'required variable missing', body: gql(`query ($id: ID!) { album(id: $id) { title } }`, {}), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'id that is not a number', body: gql(`{ album(id: "abc") { title } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'id over 32 bits', body: gql(`{ album(id: "99999999999") { title } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'malformed decimal', body: gql(`{ tracks(filter: { minPrice: "1e999" }) { nodes { name } } }`), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'malformed decimal variable', body: gql(`query ($p: Decimal) { tracks(filter: { minPrice: $p }) { nodes { name } } }`, { p: 'NaN' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'malformed date variable', body: gql(`query ($d: DateTime) { invoices(filter: { from: $d }) { nodes { id } } }`, { d: '2024-13-45' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'NUL in a literal', body: gql(`{ artists(filter: { nameContains: "a\\u0000b" }) { nodes { name } } }`), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'NUL in a variable', body: gql(`query ($t: String) { artists(filter: { nameContains: $t }) { nodes { name } } }`, { t: 'a\u0000b' }), status: 400, code: 'BAD_USER_INPUT' },
  { name: 'substring filter of 900 KB', body: gql(`query ($t: String) { artists(filter: { nameContains: $t }) { nodes { name } } }`, { t: 'x'.repeat(900_000) }), status: 200, code: 'BAD_USER_INPUT' },
  // Crafted cursors
  { name: 'cursor that is not base64 JSON', body: gql(`{ albums(after: "%%%") { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor of another list', body: gql(`{ albums(after: "${cursor('Track(id)', 5)}") { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor holding an operator object', body: gql(`{ albums(after: "${cursor('Album(title,id)', { gt: '' }, 1)}") { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor of a child list on a top-level list', body: gql(`{ tracks(after: "${cursor('Album.tracks', 5)}") { nodes { name } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor of 10 KB', body: gql(`{ albums(after: "${'A'.repeat(10_000)}") { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'child cursor with a huge id', body: gql(`{ album(id: 1) { tracks(after: "${cursor('Album.tracks', 1e300)}") { nodes { name } } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor of another parent\'s list', body: gql(`{ album(id: 1) { tracks(after: "${cursor('Album.tracks', 2, 20)}") { nodes { name } } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor holding null', body: gql(`{ albums(after: "${cursor('Album(title,id)', null, 173)}") { nodes { title } } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'cursor holding a date out of range', body: gql(`{ invoices(after: "${cursor('Invoice(invoiceDate,id desc)', '-271821-04-20T00:00:00Z', 216)}", orderBy: { field: INVOICE_DATE, direction: DESC }) { nodes { id } } }`), headers: async () => bearer(await signToken({ role: 'employee', employeeId: 1 }, JWT_SECRET, '1h'))(), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'id written in hex', body: gql(`{ album(id: "0x10") { title } }`), status: 200, code: 'BAD_USER_INPUT' },
  { name: 'variables holding 200,000 values', body: `{"query":"{ version }","variables":{"x":[${Array(200_000).fill(0).join(',')}]}}`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'variables nested 10,000 deep', body: `{"query":"{ version }","variables":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'cost hidden in a variable default', body: gql(`query ($n: Int = 100) { playlists(first: $n) { nodes { tracks(first: $n) { nodes { playlists(first: $n) { nodes { name } } } } } } }`), status: 400, code: 'QUERY_TOO_COSTLY' },
  { name: 'persisted query whose hash does not match', body: JSON.stringify({ query: '{ version }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } }), status: 400, code: 'BAD_REQUEST' },
  // Crafted tokens
  { name: 'token for an id past 32 bits', body: gql(`{ version }`), headers: async () => bearer(await jwt().setSubject('customer:9999999999').setIssuedAt().setExpirationTime('1h').sign(secret))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'Basic authorization', body: gql(`{ version }`), headers: async () => ({ authorization: 'Basic YWxhZGRpbjpvcGVuc2VzYW1l' }), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'bearer garbage', body: gql(`{ version }`), headers: bearer('not.a.token'), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token signed with another secret', body: gql(`{ version }`), headers: async () => bearer(await signToken({ role: 'customer', customerId: 1 }, 'another-secret-of-at-least-32-characters', '1h'))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'expired token', body: gql(`{ version }`), headers: async () => bearer(await jwt().setSubject('customer:1').setIssuedAt(1).setExpirationTime(2).sign(secret))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token without exp', body: gql(`{ version }`), headers: async () => bearer(await jwt().setSubject('customer:1').setIssuedAt().sign(secret))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token living a year', body: gql(`{ version }`), headers: async () => bearer(await signToken({ role: 'customer', customerId: 1 }, JWT_SECRET, '365d'))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token for a customer who does not exist', body: gql(`{ version }`), headers: async () => bearer(await signToken({ role: 'customer', customerId: 999_999 }, JWT_SECRET, '1h'))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'token with a crafted subject', body: gql(`{ version }`), headers: async () => bearer(await jwt().setSubject('admin:1').setIssuedAt().setExpirationTime('1h').sign(secret))(), status: 401, code: 'UNAUTHENTICATED' },
  { name: 'unsigned token (alg none)', body: gql(`{ version }`), headers: bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJjdXN0b21lcjoxIn0.'), status: 401, code: 'UNAUTHENTICATED' },
];

async function send(url: string, attack: Attack): Promise<{ status: number; type: string | null; text: string; ms: number }> {
  const started = performance.now();
  const headers = { ...(await attack.headers?.()) };
  const res = attack.get
    ? await fetch(new URL(attack.get, url), { headers: { ...headers, 'apollo-require-preflight': 'true' } })
    : await fetch(url, { method: 'POST', headers: { 'content-type': attack.contentType ?? 'application/json', ...headers }, body: attack.body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), text, ms: performance.now() - started };
}

describe('hostile input', () => {
  it('has at least 40 cases', () => expect(attacks.length).toBeGreaterThanOrEqual(40));

  it.each(attacks.map((a) => [a.name, a] as const))('%s: refused with its status and code, as JSON, quickly', async (_name, attack) => {
    const res = await send(env.api.url, attack);
    expect(res.type).toMatch(/application\/(graphql-response\+)?json/);
    const body = JSON.parse(res.text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect({ status: res.status, code: body.errors?.[0]?.extensions?.code }).toEqual({ status: attack.status, code: attack.code });
    expect(res.text).not.toMatch(/"stacktrace"|at \S+\.(ts|js):\d+|SELECT |prisma/i);
    // Values are echoed cut short, never whole.
    expect(body.errors![0].message.length).toBeLessThanOrEqual(520);
    expect(res.ms).toBeLessThan(2_000);
  });

  it('matches % and _ in substring filters literally', async () => {
    const percent = await env.api.query(`{ artists(filter: { nameContains: "%" }) { totalCount } }`);
    expect(percent.errors).toBeUndefined();
    expect(percent.data.artists.totalCount).toBe(0);
    const underscore = await env.api.query(`{ artists(filter: { nameContains: "_" }) { totalCount } }`);
    expect(underscore.data.artists.totalCount).toBe(0);
    const some = await env.api.query(`{ artists(filter: { nameContains: "a" }) { totalCount } }`);
    expect(some.data.artists.totalCount).toBeGreaterThan(0);
  });

  it('keeps /health answering quickly while bombs arrive, then is idle and healthy', async () => {
    const rssBefore = process.memoryUsage().rss;
    const bombs = attacks.filter((a) => /bomb|levels|cost|aliases|directives|tokens/.test(a.name));
    let slowestHealth = 0;
    let done = false;
    const health = (async () => {
      while (!done) {
        const started = performance.now();
        await fetch(env.api.url.replace('/graphql', '/health'));
        slowestHealth = Math.max(slowestHealth, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    for (let round = 0; round < 5; round++) await Promise.all(bombs.map((attack) => send(env.api.url, attack)));
    done = true;
    await health;
    expect(slowestHealth).toBeLessThan(500);
    expect(env.api.db.pool.usage).toMatchObject({ waiting: 0 });
    expect(env.api.db.pool.idleCount).toBe(env.api.db.pool.totalCount);
    expect(env.api.server.operationsInFlight()).toBe(0);
    const ok = await env.api.query(`{ albums(first: 2) { nodes { title artist { name } } } }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data.albums.nodes).toHaveLength(2);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
  });

  it('keeps memory bounded across 600 distinct valid documents (parse, validation and compile caches are bounded)', async () => {
    const rssBefore = process.memoryUsage().rss;
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          // Distinct texts: aliases and page sizes vary, so no cache can share them.
          const query = `{ a${n}: albums(first: ${1 + (n % 5)}) { nodes { t${n}: title artist { n${n}: name } tracks(first: ${1 + (n % 3)}) { nodes { name genre { name } } } } } }`;
          return env.api.query(query).then((res) => expect(res.errors).toBeUndefined());
        }),
      );
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
  });
});

describe('a wide operation cancelled by its deadline', () => {
  const slow = useTestApi({ env: { REQUEST_TIMEOUT_MS: '1', MAX_COST: '10000000' } });
  it('answers one short list of errors, not one per field', async () => {
    const res = await slow.api.query(`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: albums(first: 50) { nodes { title artist { name } } }`).join(' ')} }`);
    expect(res.errors!.length).toBeLessThanOrEqual(21);
  });
});

describe('a burst of heavy operations within the limits', () => {
  it('keeps /health and cheap operations answering, and refuses the excess with SERVER_BUSY, not timeouts', async () => {
    const heavy = `{ ${Array.from({ length: 45 }, (_, i) => `a${i}: tracks(first: 100, filter: { minMilliseconds: ${i} }, orderBy: { field: NAME, direction: DESC }) { nodes { name composer album { title artist { name } } genre { name } } }`).join(' ')} }`;
    const measured = await env.api.query(heavy);
    expect(measured.errors).toBeUndefined();
    let slowestHealth = 0;
    let slowestCheap = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        let started = performance.now();
        await fetch(env.api.url.replace('/graphql', '/health'));
        slowestHealth = Math.max(slowestHealth, performance.now() - started);
        started = performance.now();
        await env.api.query(`{ album(id: 1) { title } }`);
        slowestCheap = Math.max(slowestCheap, performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const answers = await Promise.all(Array.from({ length: 20 }, () => env.api.query(heavy)));
    done = true;
    await watch;
    const codes = answers.map((res) => res.errors?.[0]?.extensions?.code ?? 'ok');
    expect(codes.filter((code) => code !== 'ok' && code !== 'SERVER_BUSY')).toEqual([]);
    expect(codes).toContain('ok');
    // Allowed heavy operations run on the one JavaScript thread in slices: /health waits
    // at most for a slice (the hostile documents above, refused, keep it under 0.5 s).
    // Measured in CI with a second test worker on the other core: 0.9 s at worst.
    expect(slowestHealth).toBeLessThan(1_500);
    expect(slowestCheap).toBeLessThan(3_000);
  });
});
