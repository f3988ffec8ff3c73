import { badUserInput } from '../errors';

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

/** Validated paging arguments: the page size and the sort key values to start after. */
export interface PageArgs {
  first: number;
  after: unknown[] | undefined;
}

/** Cursors are opaque to clients: base64url of the row's sort key values. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for a sort of `length` keys.
 * @throws BAD_USER_INPUT when the cursor was not made by this API for this list
 */
export function decodeCursor(cursor: string, length: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === length) return values;
  } catch {
    // fall through to the error below
  }
  throw badUserInput('after', `after must be a cursor returned by this list, but got: ${JSON.stringify(cursor)}`);
}

/**
 * Checks `first`/`after` against the page rules (default 20, at most 100).
 * @throws BAD_USER_INPUT naming the bad argument and value
 */
export function pageArgs(args: { first?: number | null; after?: string | null }, sortKeys: number): PageArgs {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 0 and ${MAX_PAGE_SIZE}, but got: ${first}`);
  }
  return { first, after: args.after == null ? undefined : decodeCursor(args.after, sortKeys) };
}

/** Builds a page from up to `first + 1` fetched rows (the extra row only signals a next page). */
export function toPage<T>(
  rows: T[],
  args: PageArgs,
  sortKey: (row: T) => unknown[],
  totalCount: () => Promise<number>,
): Page<T> {
  const hasNextPage = rows.length > args.first;
  return {
    nodes: hasNextPage ? rows.slice(0, args.first) : rows,
    hasNextPage,
    hasPreviousPage: args.after !== undefined,
    cursorOf: (node) => encodeCursor(sortKey(node)),
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
