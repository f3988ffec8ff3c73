/*
 * Values of rows read by our own SQL, typed as Prisma types them, so a row is the same
 * whichever way it was read. Our statements return a page as one JSON document, an
 * array of its columns: pg decodes a string per column and row in JavaScript, on the
 * thread that serves every request, while JSON.parse reads the whole page natively. Each
 * column is written as JSON can carry it without loss, and read back here.
 */

/** How a column of one Prisma type travels in a page's JSON: its SQL cast, and its decoder. */
export interface Codec {
  /** The SQL expression writing `expression` into JSON. */
  toJson(expression: string): string;
  /** The value Prisma would give, from the JSON value; absent when JSON carries it as is. */
  fromJson?(value: never): unknown;
}

const plain: Codec = { toJson: (expression) => expression };
const asText = (expression: string) => `${expression}::text`;

/** Codecs by Prisma scalar type; a type not listed travels as plain JSON. */
export const codecs: Readonly<Record<string, Codec>> = {
  // Milliseconds since the epoch. Timestamps without a zone are read as UTC, as Prisma
  // reads them, and dates as UTC midnight, whatever the server's zone.
  DateTime: { toJson: (e) => `floor(extract(epoch FROM ${e}) * 1000)`, fromJson: (ms: number) => new Date(ms) },
  // As text, since a JSON number would lose digits; written back as Prisma's Decimal
  // writes itself, without trailing zeros.
  Decimal: { toJson: asText, fromJson: (text: string) => (text.includes('.') ? text.replace(/\.?0+$/, '') : text) },
  BigInt: { toJson: asText, fromJson: (text: string) => BigInt(text) },
};

/** The codec of a Prisma scalar type. */
export function codecOf(type: string): Codec {
  return codecs[type] ?? plain;
}
