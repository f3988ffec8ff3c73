import { OperationLabels } from '../../src/observability/operation-label';

describe('OperationLabels', () => {
  it('keeps well-formed names until the limit, then answers other', () => {
    const labels = new OperationLabels(2);
    expect(labels.of('First')).toBe('First');
    expect(labels.of('second_2')).toBe('second_2');
    expect(labels.of('Third')).toBe('other');
    expect(labels.of('First')).toBe('First');
  });

  it('answers anonymous for an unnamed operation and other for a name unfit as a label', () => {
    const labels = new OperationLabels();
    expect(labels.of(undefined)).toBe('anonymous');
    expect(labels.of(null)).toBe('anonymous');
    expect(labels.of('')).toBe('anonymous');
    expect(labels.of('9lives')).toBe('other');
    expect(labels.of('with-dash')).toBe('other');
    expect(labels.of('x'.repeat(65))).toBe('other');
    expect(labels.of('x'.repeat(64))).toBe('x'.repeat(64));
  });
});
