import { badUserInput, echo } from '../errors';

/** Rows per page when a client does not say. */
export const DEFAULT_PAGE_SIZE = 20;
/** Most rows a client may ask for in one page. */
export const MAX_PAGE_SIZE = 100;

/** One page of a list: what every `…Connection` type resolves from. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** The opaque cursor of a row of this page. */
  cursorOf(node: T): string;
  /** Rows in the whole list; runs a count only when a client asks for it. */
  totalCount(): Promise<number>;
}

/**
 * Which list a cursor belongs to: its name says the list and its ordering, and the types
 * are those of the sort key's values, in order. A cursor is accepted only by its own list.
 */
export interface CursorScope {
  name: string;
  types: readonly string[];
}

/**
 * Validated paging arguments. `size` rows after `cursor` in list order, or, when
 * `backward`, the `size` rows just before `cursor` (or the end of the list).
 */
export interface PageArgs {
  size: number;
  cursor: unknown[] | undefined;
  backward: boolean;
  scope: CursorScope;
}

/** Longest cursor accepted; ours are far shorter. */
const MAX_CURSOR_LENGTH = 1_000;
const DECIMAL = /^-?\d{1,20}(\.\d{1,12})?$/;
// As Date.toJSON writes one: the only form our cursors hold.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Whether a decoded value can be a sort key value of this Prisma type.
const validValue: Record<string, (value: unknown) => boolean> = {
  Int: (v) => Number.isSafeInteger(v) && Math.abs(v as number) <= 2_147_483_647,
  String: (v) => typeof v === 'string' && !v.includes('\0'),
  Decimal: (v) => typeof v === 'string' && DECIMAL.test(v),
  DateTime: (v) => typeof v === 'string' && ISO_INSTANT.test(v) && !Number.isNaN(Date.parse(v)),
};

/** Cursors are opaque to clients: base64url of the list's name and the row's sort key values. */
export function encodeCursor(scope: CursorScope, values: unknown[]): string {
  return Buffer.from(JSON.stringify([scope.name, ...values])).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for the list `scope`.
 * @throws BAD_USER_INPUT when the cursor was not made by this API for this list and ordering
 */
export function decodeCursor(cursor: string, scope: CursorScope, argument = 'after'): unknown[] {
  if (cursor.length <= MAX_CURSOR_LENGTH) {
    try {
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(decoded) && decoded[0] === scope.name && decoded.length === scope.types.length + 1) {
        const values = decoded.slice(1);
        // No null: a keyset cannot seek past one (rows without a value in a nullable sort column end the list's paging).
        const valid = (value: unknown, i: number) => validValue[scope.types[i]]?.(value) ?? false;
        if (values.every(valid)) return values;
      }
    } catch {
      // fall through to the error below
    }
  }
  throw badUserInput(argument, `${argument} must be a cursor returned by this list (${scope.name}), but got: ${echo(cursor)}`);
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

function size(argument: 'first' | 'last', value: number): number {
  if (value < 0 || value > MAX_PAGE_SIZE) {
    throw badUserInput(argument, `${argument} must be between 0 and ${MAX_PAGE_SIZE}, but got: ${value}`);
  }
  return value;
}

/**
 * Checks connection arguments against the page rules: `first`/`after` forward or
 * `last`/`before` backward, 20 rows by default, at most 100.
 * @throws BAD_USER_INPUT naming the bad argument and value
 */
export function pageArgs(args: ConnectionArgs, scope: CursorScope): PageArgs {
  const backward = args.last != null || args.before != null;
  if (backward && (args.first != null || args.after != null)) {
    throw badUserInput('last', 'Page forward with first/after or backward with last/before, not both');
  }
  if (backward) {
    return {
      size: size('last', args.last ?? DEFAULT_PAGE_SIZE),
      cursor: args.before == null ? undefined : decodeCursor(args.before, scope, 'before'),
      backward,
      scope,
    };
  }
  return {
    size: size('first', args.first ?? DEFAULT_PAGE_SIZE),
    cursor: args.after == null ? undefined : decodeCursor(args.after, scope),
    backward,
    scope,
  };
}

/** Identifies a page shape, for grouping and caching loader keys. */
export function pageShape(page: PageArgs): string {
  return `${page.backward ? 'b' : 'f'}${page.size}:${page.cursor ? JSON.stringify(page.cursor) : ''}`;
}

/**
 * Builds a page from up to `size + 1` rows fetched in travel order (reversed list order
 * when paging backward); the extra row only signals that more rows lie that way.
 */
export function toPage<T>(rows: T[], args: PageArgs, sortKey: (row: T) => unknown[], totalCount: () => Promise<number>): Page<T> {
  const more = rows.length > args.size;
  const nodes = more ? rows.slice(0, args.size) : rows;
  if (args.backward) nodes.reverse();
  return {
    nodes,
    hasNextPage: args.backward ? args.cursor !== undefined : more,
    hasPreviousPage: args.backward ? more : args.cursor !== undefined,
    cursorOf: (node) => encodeCursor(args.scope, sortKey(node)),
    totalCount,
  };
}

/** Resolvers shared by every `…Connection` type and by `PageInfo`. */
export const connectionResolvers = {
  edges: <T>(page: Page<T>) => page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })),
  nodes: <T>(page: Page<T>) => page.nodes,
  pageInfo: <T>(page: Page<T>) => page,
  totalCount: <T>(page: Page<T>) => page.totalCount(),
};

export const pageInfoResolvers = {
  hasNextPage: (page: Page<unknown>) => page.hasNextPage,
  hasPreviousPage: (page: Page<unknown>) => page.hasPreviousPage,
  startCursor: (page: Page<unknown>) => (page.nodes.length > 0 ? page.cursorOf(page.nodes[0]) : null),
  endCursor: (page: Page<unknown>) => (page.nodes.length > 0 ? page.cursorOf(page.nodes[page.nodes.length - 1]) : null),
};
