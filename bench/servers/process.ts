import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChildMessage, ParentMessage, ServerKind, ServerStats } from './protocol';
import pkg from '../../package.json';

// Node runs every server with the flags `npm start` gives it, so what is measured is what ships.
const NODE_FLAGS = pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));

/** A benchmarked server running in a child process. */
export interface ServerProcess {
  kind: ServerKind;
  url: string;
  /** The server's process id, for its CPU time (bench/cpu.ts). */
  pid: number;
  /** The application_name of this process's database connections, unique per process. */
  applicationName: string;
  stats(): Promise<ServerStats>;
  startProfile(): Promise<void>;
  /** Stops the CPU profile and writes it (Chrome .cpuprofile format) to `path`. */
  stopProfile(path: string): Promise<void>;
  /** Asks for a graceful stop; kills the process if it has not exited in 10 s. */
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 10_000;

/** Forks `bench/servers/child.ts` for `kind` over `databaseUrl` and waits until it listens. */
let started = 0;

export async function startServerProcess(kind: ServerKind, databaseUrl: string, jwtSecret: string): Promise<ServerProcess> {
  // Unique per process: a stopped server's backends may still show in pg_stat_activity.
  const applicationName = `bench-${kind}-${process.pid}-${++started}`;
  const child: ChildProcess = fork(join(__dirname, 'child.ts'), [], {
    execArgv: [...NODE_FLAGS, '--import', 'tsx'],
    env: { ...process.env, BENCH_SERVER: kind, BENCH_APPLICATION_NAME: applicationName, DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const waiting = new Map<number, (stats: ServerStats) => void>();
  const once = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<ChildMessage, { type: T }>);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`The ${kind} server exited (code ${code}) before it sent ${type}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'stats') {
      waiting.get(message.id)?.(message.stats);
      waiting.delete(message.id);
    }
  });
  const send = (message: ParentMessage) => child.send(message);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const { url } = await once('ready');
  return {
    kind,
    url,
    pid: child.pid!,
    applicationName,
    stats: () =>
      new Promise<ServerStats>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: 'stats', id });
      }),
    async startProfile() {
      const started = once('profile-started');
      send({ type: 'profile-start' });
      await started;
    },
    async stopProfile(path) {
      const written = once('profile-written');
      send({ type: 'profile-stop', path });
      await written;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}
