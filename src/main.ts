/**
 * The server process (`npm start` runs the compiled dist/src/main.js): configuration →
 * database (embedded unless DATABASE_URL) → migrations → seed if empty → listen.
 * SIGINT/SIGTERM drain requests within SHUTDOWN_GRACE_SECONDS, cut what is still busy,
 * release the database (the embedded one stops when no other process uses it) and exit 0.
 */
import { loadConfig } from './config';
import { configuredDatabase, prepareDatabase, type PreparedDatabase } from './db/admin/bootstrap';
import { openDatabase, type Database } from './db/client';
import { createShutdown, shutDownOnSignals, watchParent } from './lifecycle';
import { createLogger } from './logger';
import { createServer, type RunningServer } from './server';
import { seed } from '../prisma/seed';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  let prepared: Promise<PreparedDatabase> | undefined;
  let db: Database | undefined;
  let server: RunningServer | undefined;

  // Listening before the database starts, so that a signal during startup still stops it.
  const shutdown = createShutdown(
    {
      drain: async () => {
        await server?.stop();
        await db?.close();
      },
      force: async () => db?.terminate(),
      release: async () => {
        // A database that failed to start has nothing to release.
        const started = await prepared?.catch(() => undefined);
        await started?.stop();
      },
    },
    { logger, graceSeconds: config.shutdownGraceSeconds },
  );
  shutDownOnSignals(shutdown, logger);
  if (config.exitWithParent) watchParent(() => void shutdown('npm, which started this process, exited', 0));

  try {
    prepared = prepareDatabase(configuredDatabase(config, (msg) => logger.info(msg)));
    const { url } = await prepared;
    const seeded = await seed(url);
    if (seeded.seeded) logger.info({ counts: seeded.counts }, 'Seeded demo data');
    db = openDatabase(url, { statementTimeoutMs: config.statementTimeoutMs });
    server = await createServer(config, db, logger);
  } catch (err) {
    // A signal during startup stops the database under it: that is no failure.
    if (shutdown.started) return;
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
