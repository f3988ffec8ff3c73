/** The servers one benchmark run compares. */
export const SERVER_KINDS = ['pooled', 'unguarded', 'naive', 'per-request', 'postgraphile', 'raw-sql'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export const SERVER_TITLES: Record<ServerKind, string> = {
  pooled: 'pooled (product)',
  unguarded: 'product, limits and timeouts off',
  naive: 'naive (per-parent queries)',
  'per-request': 'per-request client',
  postgraphile: 'PostGraphile 5 (peer)',
  'raw-sql': 'raw SQL (bound)',
};

export interface ServerStats {
  /** SQL statements sent since the process started. */
  statements: number;
  /** HTTP requests answered since the process started. */
  requests: number;
  /** HTTP requests being answered now. */
  inFlight: number;
  /** Resident set size in bytes. */
  rss: number;
}

export type ParentMessage =
  | { type: 'stats'; id: number }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; path: string }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'stats'; id: number; stats: ServerStats }
  | { type: 'profile-started' }
  | { type: 'profile-written'; path: string };
