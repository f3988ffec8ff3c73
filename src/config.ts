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
   * Shut down if the process that started this one exits: set when started by an npm
   * script (`npm start`), which forwards signals to us, so a SIGKILLed npm leaves no orphan.
   */
  exitWithParent: boolean;
  /** Most concurrent SQL statements (so pooled connections) one request may use. */
  maxStatementsPerRequest: number;
  /** HMAC secret that signs and verifies bearer tokens (HS256). */
  jwtSecret: string;
}

/** Signs development tokens when JWT_SECRET is unset; refused in production. */
export const DEVELOPMENT_JWT_SECRET = 'media-store-development-secret-do-not-use-in-production';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads the configuration from an environment, reporting every invalid variable at once.
 * @throws Error listing each bad variable and the value it had
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
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
    exitWithParent: env.npm_lifecycle_event !== undefined,
    maxStatementsPerRequest: int('MAX_STATEMENTS_PER_REQUEST', 2, 1, 1000),
    jwtSecret: env.JWT_SECRET || DEVELOPMENT_JWT_SECRET,
  };
  if (config.production && !env.JWT_SECRET) problems.push('JWT_SECRET must be set in production');
  if (env.JWT_SECRET && env.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters long');
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config);
}
