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
  /** Seconds that in-flight requests get to finish on SIGTERM before connections are cut. */
  shutdownGraceSeconds: number;
}

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
  };
  if (problems.length > 0) throw new Error(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config);
}
