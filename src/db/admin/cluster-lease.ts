/**
 * Lets several processes share one embedded PostgreSQL cluster: each holds a lease file
 * (`<dir>/leases/<pid>`) while it uses the server, and an exclusive lock file around
 * starting or adopting the server and around the decision to stop it, so the last process
 * out stops it and one starting meanwhile never gets a server stopped under it.
 */
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** How often a process waiting for the lock looks again. */
const LOCK_POLL_MS = 100;

export interface ClusterLeases {
  /** Runs `fn` holding the cluster's lock; waits for a live holder, breaks a dead one's lock. */
  withLock<T>(fn: () => Promise<T>): Promise<T>;
  /** Pids of the other live processes holding a lease; leases of dead ones are removed. */
  others(): number[];
  /** Records that this process uses the server. */
  take(): void;
  /** Records that this process no longer uses it. */
  drop(): void;
}

/** Identifies a process beyond its pid, which the system reuses: its start time, on Linux. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and ends at the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Whether a process with this pid exists (one we may not signal exists too). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file's `<pid> <start time>` still names a running process. */
function holderAlive(content: string): boolean {
  const [pid, started = ''] = content.trim().split(' ');
  if (!(Number(pid) > 0) || !alive(Number(pid))) return false;
  return started === '' || startTime(Number(pid)) === started;
}

const self = () => `${process.pid} ${startTime(process.pid)}`;
const readOr = (path: string, fallback: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
};

function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    writeSync(fd, self());
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  }
}

// Moved aside rather than deleted: if another process broke the same stale lock and took
// a new one meanwhile, what was moved is not what was judged stale, and goes back.
function breakStaleLock(path: string, stale: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  if (readOr(aside, stale) !== stale) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process holds the lock now; the one moved aside lost it.
    }
  }
  rmSync(aside, { force: true });
}

/**
 * The leases and lock of the cluster kept in `dir`.
 * @param waitMs longest wait for another process's lock before giving up
 */
export function clusterLeases(dir: string, waitMs = 120_000): ClusterLeases {
  const leaseDir = join(dir, 'leases');
  const lockFile = join(dir, 'cluster.lock');
  const lease = join(leaseDir, String(process.pid));

  const acquire = async (): Promise<void> => {
    mkdirSync(dir, { recursive: true });
    const deadline = Date.now() + waitMs;
    while (!tryLock(lockFile)) {
      const holder = readOr(lockFile, '');
      if (holder && !holderAlive(holder)) breakStaleLock(lockFile, holder);
      else if (Date.now() > deadline) throw new Error(`Process ${holder.split(' ')[0]} has held ${lockFile} for over ${waitMs / 1000} s; delete the file if that process is not using the embedded PostgreSQL`);
      else await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  };

  return {
    async withLock(fn) {
      await acquire();
      try {
        return await fn();
      } finally {
        rmSync(lockFile, { force: true });
      }
    },
    others() {
      if (!existsSync(leaseDir)) return [];
      const live: number[] = [];
      for (const name of readdirSync(leaseDir)) {
        const path = join(leaseDir, name);
        if (Number(name) === process.pid) continue;
        if (holderAlive(readOr(path, name))) live.push(Number(name));
        else rmSync(path, { force: true });
      }
      return live;
    },
    take() {
      mkdirSync(leaseDir, { recursive: true });
      writeFileSync(lease, self());
    },
    drop() {
      rmSync(lease, { force: true });
    },
  };
}
