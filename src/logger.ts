import pino, { type Logger, type LoggerOptions } from 'pino';

/** Where logs go: stdout, or in tests any stream that says whether it is a terminal. */
export type LogOutput = NodeJS.WritableStream & { isTTY?: boolean };

/**
 * The process logger, level from LOG_LEVEL: readable coloured lines (pino-pretty) when the
 * output is a terminal, JSON lines otherwise (pipes, files, log collectors).
 */
export function createLogger(level: string, output: LogOutput = process.stdout): Logger {
  const options: LoggerOptions = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (!output.isTTY) return output === process.stdout ? pino(options) : pino(options, output);
  // Loaded only for a terminal, so the JSON path pays nothing for it. In this thread and
  // synchronous (no transport worker): the last lines before an exit are never lost.
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  return pino(options, pretty({ sync: true, colorize: output === process.stdout && process.stdout.hasColors(), translateTime: 'SYS:HH:MM:ss.l', destination: output }));
}
export type { Logger };
