import { DateTimeScalar, DecimalScalar } from '../../src/schema/scalars';

describe('DateTime', () => {
  it('answers with the ISO string, as JSON would write the Date', () => {
    const date = new Date(Date.UTC(2023, 0, 26, 13, 5, 7, 120));
    expect(DateTimeScalar.serialize(date)).toBe('2023-01-26T13:05:07.120Z');
    expect(JSON.stringify({ at: DateTimeScalar.serialize(date) })).toBe(JSON.stringify({ at: date }));
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
