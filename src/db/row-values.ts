/*
 * Values of rows read by our own SQL, typed as Prisma types them, so a row is the same
 * whichever way it was read. Our statements return a page as one JSON document, an
 * array of its columns: pg decodes a string per column and row in JavaScript, on the
 * thread that serves every request, while JSON.parse reads the whole page natively. Each
 * column is written as JSON can carry it without loss, and read back here.
 */

/** The SQL expression writing `expression`, a column of Prisma type `type`, into JSON. */
export function jsonColumn(expression: string, type: string): string {
  switch (type) {
    // Milliseconds since the epoch. Timestamps without a zone are read as UTC, as Prisma
    // reads them, and dates as UTC midnight, whatever the server's zone.
    case 'DateTime':
      return `floor(extract(epoch FROM ${expression}) * 1000)`;
    // As text: a JSON number would lose digits.
    case 'Decimal':
    case 'BigInt':
      return `${expression}::text`;
    default:
      return expression;
  }
}

/** Turns a column's JSON value back into Prisma's value, for the types that need it. */
export const fromJson: Partial<Record<string, (value: never) => unknown>> = {
  DateTime: (ms: number) => new Date(ms),
  // Exact, written the way Prisma's Decimal writes itself: no trailing zeros.
  Decimal: (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text),
  BigInt: (text: string) => BigInt(text),
};
