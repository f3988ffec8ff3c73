import { resolve } from 'node:path';

/** Validated, frozen process configuration. The only module that reads `process.env`. */
export interface Config {
  /** PostgreSQL URL; undefined means "start the embedded PostgreSQL". */
  databaseUrl: string | undefined;
  /** Folder that holds the embedded PostgreSQL's data. */
  dataDir: string;
  host: string;
  port: number;
  production: boolean;
  logLevel: string;
  /**
   * Seconds a shutdown (SIGTERM, Ctrl-C) may take to drain: in-flight requests finish and
   * the pool closes; then connections still busy are cut and the process exits.
   */
  shutdownGraceSeconds: number;
  /**
   * Seconds between the start of shutdown and closing the listener, while /ready answers
   * 503 `draining` so load balancers stop routing here; requests are still served.
   */
  shutdownDelaySeconds: number;
  /**
   * Shut down if the process that started this one exits: set when started by an npm
   * script (`npm start`), which forwards signals to us, so a SIGKILLed npm leaves no orphan.
   */
  exitWithParent: boolean;
  /** Whether migrations take Prisma's advisory lock (PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK, as Prisma reads it). */
  migrationAdvisoryLock: boolean;
  /** Most concurrent SQL statements (so pooled connections) one request may use. */
  maxStatementsPerRequest: number;
  /** HMAC secret that signs and verifies bearer tokens (HS256). */
  jwtSecret: string;
  /** Longest lifetime (exp − iat) a bearer token may have, in seconds. */
  tokenMaxLifetimeSeconds: number;
  /** Longest a statement runs before PostgreSQL cancels it, in ms; 0 turns it off. */
  statementTimeoutMs: number;
  /** Longest a request runs before its statements are cancelled, in ms; 0 turns it off. */
  requestTimeoutMs: number;
  /** What an operation may ask for, checked before it runs; 0 turns a limit off. */
  limits: Limits;
  /** WebSockets and subscriptions. */
  live: LiveSettings;
}

/** Bounds on WebSockets and subscriptions (see http/websocket.ts). */
export interface LiveSettings {
  /**
   * A direct PostgreSQL URL for the process's one LISTEN connection; DATABASE_URL (without
   * its pool parameters) when unset. Set it when DATABASE_URL points at a transaction-mode
   * PgBouncer, which cannot hold a LISTEN.
   */
  listenDatabaseUrl: string | undefined;
  /** How often each socket is pinged; a socket that has not answered by the next ping is cut. 0: never. */
  keepAliveMs: number;
  /** Most subscriptions one socket may hold at once. */
  maxSubscriptionsPerSocket: number;
  /** Most queries and mutations one socket may have in flight at once. */
  maxOperationsPerSocket: number;
  /** Most sockets open at once for one signed-in user (customer or employee), whatever their tokens. */
  maxSocketsPerToken: number;
  /** Most sockets open at once in the process. */
  maxSockets: number;
  /** Most results waiting for one subscriber before its socket is closed as a slow consumer. */
  queueSize: number;
}

/** Limits on an operation's document, checked before any SQL (see graphql/limits.ts). */
export interface Limits {
  /** Bytes of the document text. */
  maxDocumentBytes: number;
  /** Lexical tokens of the document (graphql-js `maxTokens`). */
  maxTokens: number;
  /** Field nesting, through fragments. */
  maxDepth: number;
  /** Aliases, fragments expanded. */
  maxAliases: number;
  /** Directives, fragments expanded. */
  maxDirectives: number;
  /** Field selections, fragments expanded. */
  maxFields: number;
  /** Rows the operation's pages may read, estimated from their sizes. */
  maxCost: number;
  /** Rows of estimated cost all operations running at once may add up to (admission control). */
  maxConcurrentCost: number;
  /** Longest a heavy operation waits for its share of {@link maxConcurrentCost}, in ms. */
  admissionWaitMs: number;
}

/** Signs development tokens when JWT_SECRET is unset; refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'media-store-development-secret-do-not-use-in-production';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads an integer variable: its name, default and range; a bad value is reported, not thrown. */
type IntReader = (name: string, fallback: number, min: number, max: number) => number;

function limitsFrom(int: IntReader): Limits {
  return Object.freeze({
    maxDocumentBytes: int('MAX_DOCUMENT_BYTES', 32_768, 0, 1_048_576),
    maxTokens: int('MAX_TOKENS', 3_000, 0, 1_000_000),
    maxDepth: int('MAX_DEPTH', 12, 0, 1_000),
    maxAliases: int('MAX_ALIASES', 50, 0, 100_000),
    maxDirectives: int('MAX_DIRECTIVES', 50, 0, 100_000),
    maxFields: int('MAX_FIELDS', 1_500, 0, 1_000_000),
    maxCost: int('MAX_COST', 25_000, 0, 1_000_000_000),
    maxConcurrentCost: int('MAX_CONCURRENT_COST', 100_000, 0, 1_000_000_000),
    admissionWaitMs: int('ADMISSION_WAIT_MS', 10_000, 0, 3_600_000),
  });
}

function liveSettingsFrom(env: NodeJS.ProcessEnv, int: IntReader): LiveSettings {
  return Object.freeze({
    listenDatabaseUrl: env.LISTEN_DATABASE_URL || undefined,
    keepAliveMs: int('WS_KEEPALIVE_MS', 12_000, 0, 600_000),
    maxSubscriptionsPerSocket: int('MAX_SUBSCRIPTIONS_PER_SOCKET', 20, 1, 10_000),
    maxOperationsPerSocket: int('MAX_OPERATIONS_PER_SOCKET', 10, 1, 10_000),
    maxSocketsPerToken: int('MAX_SOCKETS_PER_TOKEN', 10, 1, 100_000),
    maxSockets: int('MAX_SOCKETS', 10_000, 1, 1_000_000),
    queueSize: int('SUBSCRIBER_QUEUE_SIZE', 100, 1, 100_000),
  });
}

/**
 * Reads the configuration from an environment, reporting every invalid variable at once.
 * @throws Error listing each bad variable and the value it had
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const int: IntReader = (name, fallback, min, max) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, but got: ${raw}`);
    }
    return value;
  };

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push(`DATABASE_URL must be a postgresql:// URL, but got: ${databaseUrl.replace(/:[^:@/]*@/, ':***@')}`);
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, but got: ${logLevel}`);
  }
  const config: Config = {
    databaseUrl,
    dataDir: resolve(env.DATA_DIR || '.data'),
    host: env.HOST || 'localhost',
    port: int('PORT', 4000, 0, 65535),
    production: env.NODE_ENV === 'production',
    logLevel,
    shutdownGraceSeconds: int('SHUTDOWN_GRACE_SECONDS', 10, 0, 3600),
    shutdownDelaySeconds: int('SHUTDOWN_DELAY_SECONDS', 0, 0, 3600),
    exitWithParent: env.npm_lifecycle_event !== undefined,
    migrationAdvisoryLock: !env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK || env.PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK === '0',
    maxStatementsPerRequest: int('MAX_STATEMENTS_PER_REQUEST', 2, 1, 1000),
    jwtSecret: env.JWT_SECRET || DEVELOPMENT_JWT_SECRET,
    tokenMaxLifetimeSeconds: int('TOKEN_MAX_LIFETIME_SECONDS', 86_400, 60, 31_536_000),
    statementTimeoutMs: int('STATEMENT_TIMEOUT_MS', 5_000, 0, 3_600_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 15_000, 0, 3_600_000),
    limits: limitsFrom(int),
    live: liveSettingsFrom(env, int),
  };
  if (config.live.listenDatabaseUrl && !/^postgres(ql)?:\/\//.test(config.live.listenDatabaseUrl)) problems.push('LISTEN_DATABASE_URL must be a postgresql:// URL');
  if (config.production && !env.JWT_SECRET) problems.push('JWT_SECRET must be set in production');
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters long');
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config);
}
