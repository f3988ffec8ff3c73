import { decodeCursor, encodeCursor, pageArgs, toPage, type CursorScope } from '../../src/graphql/connections';

const byId: CursorScope = { name: 'Album.tracks', types: ['Int'] };
const byName: CursorScope = { name: 'Artist(name,id)', types: ['String', 'Int'] };

describe('cursors', () => {
  it('round-trip sort key values', () => {
    expect(decodeCursor(encodeCursor(byName, ['Rock "n" Roll', 42]), byName)).toEqual(['Rock "n" Roll', 42]);
  });

  it('reject cursors of another list shape with BAD_USER_INPUT', () => {
    expect(() => decodeCursor(encodeCursor(byId, [1]), byName)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => decodeCursor('%%%', byId)).toThrow('after must be a cursor returned by this list');
  });

  it('reject a cursor of another list with the same key, and values of the wrong type', () => {
    expect(() => decodeCursor(encodeCursor({ name: 'Genre.tracks', types: ['Int'] }, [1]), byId)).toThrow('(Album.tracks)');
    expect(() => decodeCursor(encodeCursor(byId, ['1']), byId)).toThrow('must be a cursor');
    expect(() => decodeCursor(encodeCursor(byId, [1e20]), byId)).toThrow('must be a cursor');
    expect(() => decodeCursor(encodeCursor(byName, [{ gt: 1 }, 1]), byName)).toThrow('must be a cursor');
    expect(() => decodeCursor(encodeCursor(byName, ['a', null]), byName)).toThrow('must be a cursor');
    expect(() => decodeCursor(encodeCursor(byName, [null, 3]), byName)).toThrow('must be a cursor');
    const byDate: CursorScope = { name: 'Invoice(invoiceDate,id)', types: ['DateTime', 'Int'] };
    expect(decodeCursor(encodeCursor(byDate, ['2024-01-02T03:04:05.000Z', 3]), byDate)).toEqual(['2024-01-02T03:04:05.000Z', 3]);
    expect(() => decodeCursor(encodeCursor(byDate, ['-271821-04-20T00:00:00Z', 3]), byDate)).toThrow('must be a cursor');
    expect(() => decodeCursor('A'.repeat(5000), byId)).toThrow(/but got: "A{10,}… \(5002 characters\)/);
  });
});

describe('pageArgs', () => {
  it('defaults to 20 rows and caps at 100', () => {
    expect(pageArgs({}, byId)).toEqual({ size: 20, cursor: undefined, backward: false, scope: byId });
    expect(pageArgs({ first: 100 }, byId).size).toBe(100);
    expect(pageArgs({ last: 5, before: encodeCursor(byId, [9]) }, byId)).toEqual({ size: 5, cursor: [9], backward: true, scope: byId });
    expect(() => pageArgs({ last: 101 }, byId)).toThrow('last must be between 0 and 100, but got: 101');
    expect(() => pageArgs({ first: 1, last: 1 }, byId)).toThrow('not both');
    expect(() => pageArgs({ first: 101 }, byId)).toThrow('first must be between 0 and 100, but got: 101');
    expect(() => pageArgs({ first: -1 }, byId)).toThrow('but got: -1');
  });
});

describe('toPage', () => {
  it('uses the extra row only to tell that a next page exists', async () => {
    const page = toPage([{ id: 1 }, { id: 2 }, { id: 3 }], { size: 2, cursor: undefined, backward: false, scope: byId }, (r) => [r.id], async () => 3);
    expect(page.nodes).toEqual([{ id: 1 }, { id: 2 }]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(decodeCursor(page.cursorOf(page.nodes[1]), byId)).toEqual([2]);
  });
});

describe('toPage backward', () => {
  it('restores list order and tells of earlier rows', () => {
    const page = toPage([{ id: 9 }, { id: 8 }, { id: 7 }], { size: 2, cursor: [10], backward: true, scope: byId }, (r) => [r.id], async () => 0);
    expect(page.nodes).toEqual([{ id: 8 }, { id: 9 }]);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.hasNextPage).toBe(true);
  });
});
