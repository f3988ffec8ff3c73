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
    expect(pageArgs({}, 1)).toEqual({ size: 20, cursor: undefined, backward: false });
    expect(pageArgs({ first: 100 }, 1).size).toBe(100);
    expect(pageArgs({ last: 5, before: encodeCursor([9]) }, 1)).toEqual({ size: 5, cursor: [9], backward: true });
    expect(() => pageArgs({ last: 101 }, 1)).toThrow('last must be between 0 and 100, but got: 101');
    expect(() => pageArgs({ first: 1, last: 1 }, 1)).toThrow('not both');
    expect(() => pageArgs({ first: 101 }, 1)).toThrow('first must be between 0 and 100, but got: 101');
    expect(() => pageArgs({ first: -1 }, 1)).toThrow('but got: -1');
  });
});

describe('toPage', () => {
  it('uses the extra row only to tell that a next page exists', async () => {
    const page = toPage([{ id: 1 }, { id: 2 }, { id: 3 }], { size: 2, cursor: undefined, backward: false }, (r) => [r.id], async () => 3);
    expect(page.nodes).toEqual([{ id: 1 }, { id: 2 }]);
    expect(page.hasNextPage).toBe(true);
    expect(page.hasPreviousPage).toBe(false);
    expect(decodeCursor(page.cursorOf(page.nodes[1]), 1)).toEqual([2]);
  });
});

describe('toPage backward', () => {
  it('restores list order and tells of earlier rows', () => {
    const page = toPage([{ id: 9 }, { id: 8 }, { id: 7 }], { size: 2, cursor: [10], backward: true }, (r) => [r.id], async () => 0);
    expect(page.nodes).toEqual([{ id: 8 }, { id: 9 }]);
    expect(page.hasPreviousPage).toBe(true);
    expect(page.hasNextPage).toBe(true);
  });
});
