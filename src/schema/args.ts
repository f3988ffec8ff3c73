import { badUserInput } from '../errors';
import type { Sort } from '../loaders/factories';

/**
 * Parses a GraphQL `ID` argument that names a row key.
 * @throws BAD_USER_INPUT naming the argument and the value
 */
export function rowId(id: string | number, argument = 'id'): number {
  const value = Number(id);
  if (!Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw badUserInput(argument, `${argument} must be a positive integer id, but got: ${JSON.stringify(id)}`);
  }
  return value;
}

/** An optional id argument, as a Prisma equality filter. */
export function optionalId(id: string | number | null | undefined, argument: string): number | undefined {
  return id == null ? undefined : rowId(id, argument);
}

/** A case-insensitive substring filter, or none for an empty text. */
export function contains(text: string | null | undefined) {
  return text ? { contains: text, mode: 'insensitive' as const } : undefined;
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
