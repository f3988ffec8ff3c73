/*
 * Values of rows read by our own SQL, typed as Prisma types them, so a row is the same
 * whichever way it was read. Our statements return a page as one JSON document, an array
 * of its columns, which JSON.parse reads natively; a lookup by id returns plain rows, every
 * value as PostgreSQL's text (pg is told to parse none). Each column is read in a form
 * both can carry without loss, and decoded here by the Prisma type of its field. Inside a
 * transaction the same statements run through Prisma, whose raw rows carry numbers for
 * numeric columns: every decoder takes either.
 */

/** How a column of one Prisma type is read: its SQL expression, and its decoder. */
export interface Codec {
  /** The SQL expression reading `expression` in the form {@link Codec.decode} takes. */
  select(expression: string): string;
  /** The value Prisma would give, from the value read as text or JSON (nulls stay null). */
  decode(value: string | number): unknown;
  /** Whether JSON carries the value as Prisma gives it, so a JSON page need not decode it. */
  inJson: boolean;
}

const asIs = (expression: string) => expression;
const asText = (expression: string) => `${expression}::text`;
// '1.50' → '1.5', '2.00' → '2', '10' → '10': a loop, where a regular expression per value
// cost the customers benchmark 30 µs a request (0.8%), the loop 6.
function withoutTrailingZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 48) end--; // '0'
  if (text.charCodeAt(end - 1) === 46) end--; // '.'
  return end === text.length ? text : text.slice(0, end);
}

/** Codecs by Prisma scalar type: those of our schema's fields (a test checks every field has one). */
export const codecs: Readonly<Record<string, Codec>> = {
  Int: { select: asIs, decode: (value) => +value, inJson: true },
  String: { select: asIs, decode: (value) => value, inJson: true },
  // Milliseconds since the epoch. Timestamps without a zone are read as UTC, as Prisma
  // reads them, and dates as UTC midnight, whatever the server's zone.
  DateTime: { select: (e) => `floor(extract(epoch FROM ${e}) * 1000)::float8`, decode: (ms) => new Date(+ms), inJson: false },
  // As text, since a number would lose digits; written as Prisma's Decimal writes
  // itself, without trailing zeros.
  Decimal: { select: asText, decode: (value) => withoutTrailingZeros(String(value)), inJson: false },
  BigInt: { select: asText, decode: (value) => BigInt(value as string), inJson: false },
};

/** The codec of a Prisma scalar type. */
export function codecOf(type: string): Codec {
  const codec = codecs[type];
  if (!codec) throw new Error(`No codec reads Prisma's ${type} from a row`);
  return codec;
}
