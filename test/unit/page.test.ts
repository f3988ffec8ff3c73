import { decodeCursor, encodeCursor, pageArgs, toPage } from '../../src/loaders/page';

describe('cursors', () => {
  it('round-trip sort key values', () => {
    expect(decodeCursor(encodeCursor(['Rock "n" Roll', 42]), 2)).toEqual(['Rock "n" Roll', 42]);
  });

  it('reject cursors of another list shape with BAD_USER_INPUT', () => {
    expect(() => decodeCursor(encodeCursor([1]), 2)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
    expect(() => decodeCursor('%%%', 1)).toThrow('after must be a cursor returned by this list');
  });
});

describe('pageArgs', () => {
  it('defaults to 20 rows and caps at 100', () => {
    expect(pageArgs({}, 1)).toEqual({ first: 20, after: undefined });
    expect(pageArgs({ first: 100 }, 1).first).toBe(100);
    expect(() => pageArgs({ first: 101 }, 1)).toThrow('first must be between 0 and 100, but got: 101');
    expect(() => pageArgs({ first: -1 }, 1)).toThrow('but got: -1');
  });
});

describe('toPage', () => {
  it('uses the extra row only to tell that a next page exists', async () => {
    const page = toPage([{ id: 1 }, { id: 2 }, { id: 3 }], { first: 2, after: undefined }, (r) => [r.id], async () => 3);
    expect(page.nodes).toEqual([{ id: 1 }, { id: 2 }]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(decodeCursor(page.cursorOf(page.nodes[1]), 1)).toEqual([2]);
  });
});
