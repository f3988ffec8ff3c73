/*
 * One benchmarked server in its own process, so its CPU, memory and connections are its
 * own. The parent forks it with BENCH_SERVER and DATABASE_URL set and talks over IPC:
 * it answers `stats`, starts and stops a CPU profile, and exits on `stop`.
 */
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { parsePoolUrl } from '../../src/db/pool-url';
import { loadProduct, type ServerOptions } from './product';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startRawSqlServer } from './raw-sql';
import type { ChildMessage, ParentMessage, ServerKind, ServerStats } from './protocol';

const kind = process.env.BENCH_SERVER as ServerKind;
const databaseUrl = process.env.DATABASE_URL!;
const jwtSecret = process.env.JWT_SECRET!;
const applicationName = process.env.BENCH_APPLICATION_NAME ?? `bench-${kind}`;

function send(message: ChildMessage): void {
  process.send?.(message);
}

interface Running {
  url: string;
  server: Server;
  statements: () => number;
  /**
   * Requests still being worked on. A GraphQL operation goes on after its client hangs
   * up, so for GraphQL servers the open HTTP count (`open`) undercounts.
   */
  inFlight: (open: number) => number;
  stop: () => Promise<void>;
}

/** Every limit and timeout off (0), so the benchmark measures what they cost side by side. */
const UNGUARDED = Object.fromEntries(
  ['MAX_DOCUMENT_BYTES', 'MAX_TOKENS', 'MAX_DEPTH', 'MAX_ALIASES', 'MAX_DIRECTIVES', 'MAX_FIELDS', 'MAX_COST', 'MAX_CONCURRENT_COST', 'ADMISSION_WAIT_MS', 'STATEMENT_TIMEOUT_MS', 'REQUEST_TIMEOUT_MS'].map((name) => [name, '0']),
);

async function start(): Promise<Running> {
  if (kind === 'raw-sql') {
    const { connectionString, max } = parsePoolUrl(databaseUrl);
    const raw = await startRawSqlServer({ connectionString, max, applicationName, jwtSecret });
    return { url: raw.url, server: raw.server, statements: raw.statements, inFlight: (open) => open, stop: raw.stop };
  }
  if (kind === 'postgraphile') {
    // Production mode, and no notice on stderr about it.
    process.env.GRAPHILE_ENV ??= 'production';
    const { connectionString, max } = parsePoolUrl(databaseUrl);
    // From its own folder, so it loads its own graphql and pg (bench/servers/postgraphile.ts installs them).
    const peer = (await import(pathToFileURL(join(__dirname, '..', 'peers', 'postgraphile', 'server.js')).href)) as {
      startPostGraphile(options: { connectionString: string; max: number; applicationName: string; jwtSecret: string }): Promise<Omit<Running, 'inFlight'>>;
    };
    const server = await peer.startPostGraphile({ connectionString, max, applicationName, jwtSecret });
    return { ...server, inFlight: (open) => open };
  }
  const { contextFactory, createLoaders, createLogger, createServer, loadConfig, openDatabase, processStats, purchaseRowByRow } = loadProduct();
  // The product's own configuration, in production mode, as it would be deployed.
  const config = loadConfig({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: jwtSecret,
    ...(kind === 'unguarded' ? UNGUARDED : {}),
  });
  const logger = createLogger('silent');
  const db = openDatabase(databaseUrl, { applicationName, statementTimeoutMs: config.statementTimeoutMs });
  const options: ServerOptions = {};
  if (kind === 'unguarded') {
    // No deadline or hang-up signal either: what the limits and time bounds cost is the difference.
    const shared = contextFactory(db, { maxStatementsPerRequest: config.maxStatementsPerRequest, jwtSecret });
    options.createContext = async ({ req }) => shared({ authorization: req.headers.authorization });
  } else if (kind === 'naive') {
    // The N+1 pattern from the product's own loader factories: one statement per key, no
    // cache, no joins; and purchases written row by row.
    const naive = contextFactory(db, {
      maxStatementsPerRequest: config.maxStatementsPerRequest,
      jwtSecret,
      loaders: (request) => createLoaders(request, { batch: false, joins: false }),
      writes: { purchase: purchaseRowByRow },
    });
    options.createContext = async ({ req }) => naive({ authorization: req.headers.authorization });
  } else if (kind === 'per-request') {
    const contextOptions = { maxStatementsPerRequest: config.maxStatementsPerRequest, jwtSecret };
    // The tutorial anti-pattern: a client and its pool for each request, closed after it.
    options.createContext = async ({ req, res }) => {
      const own = openDatabase(databaseUrl, { applicationName });
      res.once('close', () => void own.close());
      return contextFactory(own, contextOptions)({ authorization: req.headers.authorization });
    };
  }
  const server = await createServer(config, db, logger, options);
  return {
    url: server.url,
    server: server.httpServer,
    statements: () => processStats.statements,
    inFlight: () => server.operationsInFlight(),
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

async function main(): Promise<void> {
  const running = await start();
  let started = 0;
  let finished = 0;
  // First in line: express rewrites req.url while routing to a mounted path.
  running.server.prependListener('request', (req, res) => {
    if (!req.url?.startsWith('/graphql')) return;
    started++;
    res.once('close', () => finished++);
  });
  let profiler: Session | undefined;

  process.on('message', async (message: ParentMessage) => {
    if (message.type === 'stats') {
      const stats: ServerStats = { statements: running.statements(), requests: finished, inFlight: running.inFlight(started - finished), rss: process.memoryUsage.rss() };
      send({ type: 'stats', id: message.id, stats });
    } else if (message.type === 'profile-start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 500 });
      await profiler.post('Profiler.start');
      send({ type: 'profile-started' });
    } else if (message.type === 'profile-stop') {
      const { profile } = await profiler!.post('Profiler.stop');
      await writeFile(message.path, JSON.stringify(profile));
      profiler!.disconnect();
      send({ type: 'profile-written', path: message.path });
    } else if (message.type === 'stop') {
      running.server.closeAllConnections();
      await running.stop().catch(() => undefined);
      process.exit(0);
    }
  });
  send({ type: 'ready', url: running.url });
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
