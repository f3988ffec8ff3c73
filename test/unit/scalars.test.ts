import { DateTimeScalar, DecimalScalar } from '../../src/schema/scalars';
import { codecs } from '../../src/sql/codecs';

describe('DateTime', () => {
  it('answers with the ISO string, as JSON would write the Date', () => {
    const date = new Date(Date.UTC(2023, 0, 26, 13, 5, 7, 120));
    expect(DateTimeScalar.serialize(date)).toBe('2023-01-26T13:05:07.120Z');
    expect(JSON.stringify({ at: DateTimeScalar.serialize(date) })).toBe(JSON.stringify({ at: date }));
    // What is not yet a Date takes graphql-scalars' way, as before.
    expect(DateTimeScalar.serialize('2023-01-26T13:05:07.120Z')).toBe('2023-01-26T13:05:07.120Z');
    expect(DateTimeScalar.serialize(date.getTime())).toBe('2023-01-26T13:05:07.120Z');
  });

  it('still rejects what is not a date', () => {
    expect(() => DateTimeScalar.serialize(new Date(NaN))).toThrow('invalid Date');
    expect(() => DateTimeScalar.serialize({})).toThrow('DateTime cannot be serialized');
    expect(DateTimeScalar.parseValue('2023-01-26T13:05:07Z')).toEqual(new Date('2023-01-26T13:05:07Z'));
  });
});

describe('Decimal', () => {
  it('writes exact decimals as strings', () => {
    expect(DecimalScalar.serialize('0.99')).toBe('0.99');
    expect(() => DecimalScalar.parseValue('1e3')).toThrow('Decimal must be a decimal number');
  });
});

describe('Decimal read from a row', () => {
  it("is written as Prisma's Decimal writes it, without trailing zeros", () => {
    const read = (text: string) => codecs.Decimal.decode(text);
    expect(['1.50', '2.00', '10', '100.000', '0.00', '-0.50', '0.99', '120.0100'].map(read)).toEqual(['1.5', '2', '10', '100', '0', '-0.5', '0.99', '120.01']);
    expect(read(1.5 as unknown as string)).toBe('1.5');
  });
});
