import { badUserInput, echo } from '../errors';
import type { Sort } from '../graphql/list-page';

/**
 * Parses a GraphQL `ID` argument that names a row key.
 * @throws BAD_USER_INPUT naming the argument and the value
 */
export function rowId(id: string | number, argument = 'id'): number {
  // Digits only: Number() would also take "0x10", "1e3" and " 1".
  const value = typeof id === 'number' ? id : /^[1-9]\d{0,9}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw badUserInput(argument, `${argument} must be a positive integer id, but got: ${echo(id)}`);
  }
  return value;
}

/** An optional id argument, as a Prisma equality filter. */
export function optionalId(id: string | number | null | undefined, argument: string): number | undefined {
  return id == null ? undefined : rowId(id, argument);
}

/** Longest text a substring filter takes: names and titles are far shorter. */
export const MAX_FILTER_LENGTH = 200;

/**
 * A case-insensitive substring filter, or none for an empty text. `%`, `_` and `\` match
 * themselves: Prisma hands the text to ILIKE as a pattern without escaping them.
 * @throws BAD_USER_INPUT for a text longer than {@link MAX_FILTER_LENGTH}
 */
export function contains(text: string | null | undefined, argument: string) {
  if (!text) return undefined;
  // Characters as people count them (code points), cheaply ruled in or out first.
  const length = text.length <= MAX_FILTER_LENGTH ? text.length : text.length > 2 * MAX_FILTER_LENGTH ? text.length : [...text].length;
  if (length > MAX_FILTER_LENGTH) {
    throw badUserInput(argument, `${argument} must be at most ${MAX_FILTER_LENGTH} characters, but got ${length}: ${echo(text)}`);
  }
  return { contains: text.replace(/[\\%_]/g, '\\$&'), mode: 'insensitive' as const };
}

/** An inclusive range filter, or none when both ends are open. */
export function range<T>(min: T | null | undefined, max: T | null | undefined) {
  return min == null && max == null ? undefined : { ...(min != null && { gte: min }), ...(max != null && { lte: max }) };
}

/**
 * Turns an `…Order` input into a total sort: the chosen field, then id to break ties.
 * @param fields each order field enum value mapped to the model field it sorts by
 */
export function sortOf<F extends string>(
  order: { field: F; direction?: 'ASC' | 'DESC' | null } | null | undefined,
  fields: Record<F, string>,
  fallback: { field: F; direction: 'ASC' | 'DESC' },
): Sort {
  const { field, direction } = order ?? fallback;
  const primary = fields[field];
  return { fields: primary === 'id' ? ['id'] : [primary, 'id'], descending: (direction ?? fallback.direction) === 'DESC' };
}
