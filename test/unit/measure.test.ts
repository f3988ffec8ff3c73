import { getOperationAST, parse } from 'graphql';
import { buildSchema } from '../../src/schema';
import { measureOperation } from '../../src/graphql/measure';

const schema = buildSchema();
const measure = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  return measureOperation(schema, document, getOperationAST(document)!, variables);
};

describe('measureOperation', () => {
  it('costs the rows page sizes may read, as the README says', () => {
    expect(measure(`{ customers(first: 20) { nodes { id invoices { nodes { id lines { nodes { id track { id name } } } } } } } }`).cost).toBe(16_841);
    expect(measure(`{ albums(first: 50) { nodes { id artist { id } tracks { nodes { id genre { id } } } } } }`).cost).toBe(2_151);
  });

  it('adds the rows a field declares with @cost: counts, sums and reports', () => {
    expect(measure(`{ albums(first: 10) { totalCount nodes { trackCount } } }`).cost).toBe(1 + 10 * (1 + 10) + 100);
    expect(measure(`{ a: salesReport(groupBy: GENRE) { revenue } b: salesReport(groupBy: ARTIST) { revenue } }`).cost).toBe(2 * (20 * 1 + 2000));
  });

  it('reads page sizes from variables and counts edges like nodes', () => {
    const byVariable = measure(`query ($n: Int) { albums(first: $n) { edges { node { title } } } }`, { n: 7 });
    expect(byVariable.cost).toBe(1 + 7);
    expect(measure(`{ albums(last: 3) { nodes { title } } }`).cost).toBe(1 + 3);
    // A variable left out takes its default: the page it asks for is what counts.
    expect(measure(`query ($n: Int = 100) { albums(first: $n) { nodes { title } } }`).cost).toBe(1 + 100);
    expect(measure(`query ($n: Int = 100) { albums(first: $n) { nodes { title } } }`, { n: 2 }).cost).toBe(1 + 2);
  });

  it('measures a parsed operation once unless its page sizes come from variables', () => {
    const fixed = parse(`{ albums(first: 5) { nodes { title } } }`);
    const first = measureOperation(schema, fixed, getOperationAST(fixed)!, {});
    expect(measureOperation(schema, fixed, getOperationAST(fixed)!, {})).toBe(first);
    // The same document, kept by Apollo for the next request, with other variables.
    const paged = parse(`query ($n: Int) { albums(first: $n) { nodes { title } } }`);
    expect(measureOperation(schema, paged, getOperationAST(paged)!, { n: 2 }).cost).toBe(1 + 2);
    expect(measureOperation(schema, paged, getOperationAST(paged)!, { n: 90 }).cost).toBe(1 + 90);
  });

  it('counts depth, aliases, directives and fields through fragments', () => {
    const m = measure(`query { a: albums { ...F } b: albums @include(if: true) { ...F } } fragment F on AlbumConnection { nodes { title artist { name } } }`);
    expect(m).toMatchObject({ aliases: 2, directives: 1, depth: 4, fields: 2 + 2 * 4 });
  });

  it('measures a 40-level fragment bomb without expanding it', () => {
    let fragments = 'fragment F0 on Album { title }\n';
    for (let i = 1; i < 40; i++) fragments += `fragment F${i} on Album { ...F${i - 1} ...F${i - 1} }\n`;
    const started = performance.now();
    const m = measure(`{ albums { nodes { ...F39 } } }\n${fragments}`);
    expect(performance.now() - started).toBeLessThan(50);
    expect(m.fields).toBe(2 + 2 ** 39);
  });

  it('finds NUL in string literals', () => {
    expect(measure(`{ artists(filter: { nameContains: "a\\u0000" }) { totalCount } }`).nul).toBe(true);
    expect(measure(`{ artists(filter: { nameContains: "a" }) { totalCount } }`).nul).toBe(false);
  });
});
