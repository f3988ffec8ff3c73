/**
 * `npm start`: configuration → database (embedded unless DATABASE_URL) → migrations →
 * seed if empty → listen. SIGINT/SIGTERM drain requests, close the pool, stop the
 * embedded database and exit 0.
 */
import { loadConfig } from './config';
import { prepareDatabase } from './db/bootstrap';
import { openDatabase, type Database } from './db/client';
import { createLogger } from './logger';
import { createServer } from './server';
import { seed } from '../prisma/seed';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const prepared = await prepareDatabase(config, (msg) => logger.info(msg));
  let db: Database | undefined;
  let server: Awaited<ReturnType<typeof createServer>> | undefined;

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode: number) =>
    (shuttingDown ??= (async () => {
      logger.info(`${reason}: shutting down`);
      try {
        await server?.stop();
        await db?.close();
      } finally {
        await prepared.stop();
        logger.info('Stopped');
        process.exit(exitCode);
      }
    })());
  process.once('SIGINT', () => void shutdown('SIGINT', 0));
  process.once('SIGTERM', () => void shutdown('SIGTERM', 0));
  // A crash must not leave the embedded PostgreSQL running.
  process.once('uncaughtException', (err) => {
    logger.fatal({ err }, 'Uncaught exception');
    void shutdown('crash', 1);
  });
  process.once('unhandledRejection', (err) => {
    logger.fatal({ err }, 'Unhandled rejection');
    void shutdown('crash', 1);
  });

  try {
    const seeded = await seed(prepared.url);
    if (seeded.seeded) logger.info({ counts: seeded.counts }, 'Seeded demo data');
    db = openDatabase(prepared.url, { statementTimeoutMs: config.statementTimeoutMs });
    server = await createServer(config, db, logger);
  } catch (err) {
    logger.fatal({ err }, 'Startup failed');
    await shutdown('startup failure', 1);
    return;
  }
  logger.info(`Media store API ready at ${server.url}`);
  console.log(`🚀 Media store API ready at ${server.url}`);
}

void main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
