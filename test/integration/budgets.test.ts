import { useTestApi } from '../helpers/api';
import { authAs } from '../helpers/tokens';

// Page size 100 at three levels estimates more rows than MAX_COST allows by default.
const env = useTestApi({ env: { MAX_COST: '10000000' } });
let manager: Record<string, string>;
beforeAll(async () => {
  manager = await authAs({ role: 'employee', employeeId: 1 });
});

/**
 * Operation shapes and the most SQL statements each may cost: one per distinct loader at
 * each level (a page and its totalCount are two), with a page of tracks reading its
 * album (and the album's artist), genre and media type in its own statement when they are
 * selected, and a page of invoice lines its track with the track's; a top-level list of
 * albums or tracks reads their to-one relations likewise (Prisma's relation joins). `$n` is the inner page
 * size; every budget must hold at 5 and at 100, because batching makes cost depend on
 * nesting depth, never on how many rows a level holds. A row looked up by id reads the
 * connection selected on it in its own statement (album, artist, playlist, customer), and
 * that page each of its rows' invoice lines (a customer's) or tracks (an artist's albums').
 */
const SHAPES: Array<[name: string, budget: number, query: string, asEmployee: boolean]> = [
  ['albums(50){artist, tracks(n){genre, mediaType}}', 2, `query ($n: Int) { albums(first: 50) { nodes { title artist { name } tracks(first: $n) { nodes { name genre { name } mediaType { name } } } } } }`, false],
  ['customers(20){invoices(n){lines{track{album{artist}}}}}', 3, `query ($n: Int) { customers(first: 20) { nodes { lastName invoices(first: $n) { nodes { total lines { nodes { quantity track { name album { title artist { name } } } } } } } } } }`, true],
  ['playlists(10){tracks(n){album{title artist{name}}}}', 2, `query ($n: Int) { playlists(first: 10) { nodes { name tracks(first: $n) { nodes { name album { title artist { name } } } } } } }`, false],
  ['artists(n){albumCount albums{trackCount durationMs}}', 5, `query ($n: Int) { artists(first: $n) { nodes { name albumCount albums { nodes { title trackCount durationMs } } } } }`, false],
  ['genres{trackCount tracks(n){album{artist}}}', 3, `query ($n: Int) { genres(first: 25) { nodes { name trackCount tracks(first: $n) { nodes { name album { title artist { name } } } } } } }`, false],
  ['tracks(n){playlists{name trackCount}}', 3, `query ($n: Int) { tracks(first: $n) { nodes { name playlists(first: 3) { nodes { name trackCount } } } } }`, false],
  ['tracks(n) filtered by price, ordered by duration{album genre mediaType}', 2, `query ($n: Int) { tracks(first: $n, filter: { minPrice: "0.99", maxPrice: "1.29" }, orderBy: { field: MILLISECONDS, direction: DESC }) { totalCount nodes { album { title } genre { name } mediaType { name } } } }`, false],
  ['album(id){tracks(n){playlists{tracks(3)}}}', 4, `query ($n: Int) { album(id: 1) { tracks(first: $n) { totalCount nodes { playlists(first: 5) { nodes { tracks(first: 3) { nodes { name } } } } } } } }`, false],
  ['invoices(n){customer{supportRep} lineCount lines{track}}', 5, `query ($n: Int) { invoices(first: $n) { nodes { total lineCount customer { lastName supportRep { lastName } } lines { nodes { track { name } } } } } }`, true],
  ['customers(n){totalSpent supportRep{reportsTo}}', 4, `query ($n: Int) { customers(first: $n) { nodes { totalSpent supportRep { lastName reportsTo { lastName } } } } }`, true],
  ['employees(n){reports{customers(n){invoices}}}', 5, `query ($n: Int) { employees(first: 8) { nodes { reports { nodes { customers(first: $n) { nodes { invoices(first: 2) { nodes { total } } } } } } } } }`, true],
  ['me{employee{customers(n){invoices{lineCount}}}}', 6, `query ($n: Int) { me { employee { customers(first: $n) { totalCount nodes { invoices(first: 3) { nodes { lineCount } } } } } } }`, true],
  ['artist(id){albums{tracks(n){genre}}} by last/before', 1, `query ($n: Int) { artist(id: 2) { albums(last: 5) { nodes { tracks(last: $n) { nodes { genre { name } } } } } } }`, false],
  ['salesReport(GENRE) + mediaTypes', 2, `query ($n: Int) { salesReport(groupBy: GENRE) { key total } mediaTypes(first: $n) { nodes { name } } }`, true],
  ['track(id) x3 aliases{album{artist}}', 5, `query ($n: Int) { a: track(id: 1) { album { artist { name } } } b: track(id: 2) { album { artist { name } } } c: track(id: 3) { genre { tracks(first: $n) { nodes { id } } } } }`, false],
  ['invoice(id){customer lines(n){track{genre}}}', 6, `query ($n: Int) { invoice(id: 10) { total customer { email } lines(first: $n) { nodes { track { genre { name } } } } } }`, true],
];

describe.each([5, 100])('statement budgets at page size %i', (n) => {
  it.each(SHAPES)('%s costs at most %i statements', async (_name, budget, query, asEmployee) => {
    const res = await env.api.query(query, { n }, asEmployee ? manager : {});
    expect(res.telemetry.statements).toBeLessThanOrEqual(budget);
    expect(res.telemetry.statements).toBeLessThanOrEqual(budget);
  });
});

describe('telemetry', () => {
  it('reports statements, round trips, connection wait, peak connections and batch sizes', async () => {
    const res = await env.api.query(SHAPES[0][2], { n: 10 });
    const t = res.telemetry;
    expect(t.statements).toBeGreaterThan(0);
    expect(t.roundTrips).toBeGreaterThan(0);
    expect(t.acquireWaitMs).toBeGreaterThanOrEqual(0);
    expect(t.peakConnections).toBeGreaterThanOrEqual(1);
    expect(t.peakConnections).toBeLessThanOrEqual(2);
    expect(t.batches).toContainEqual({ loader: 'tracksByAlbumId', size: 50 });
  });

  it('is not sent without the debug header', async () => {
    const res = await fetch(env.api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ version }' }) });
    expect(((await res.json()) as { extensions?: unknown }).extensions).toBeUndefined();
  });
});
