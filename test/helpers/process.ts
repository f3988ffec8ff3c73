import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

const ROOT = join(__dirname, '..', '..');
const running = new Set<ChildProcess>();

/** Kills every process a test started and left running (after a failed assertion), with its group if it leads one. */
export function killApiProcesses(): void {
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
  running.clear();
}

// Spawns a process that prints the API's URL once it listens, and waits for that line.
async function startProcess(command: string, args: string[], env: Record<string, string | undefined>, timeoutMs: number, detached = false): Promise<ApiProcess> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /ready at (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`API exited with ${code} before starting:\n${output}`));
    });
  });
  return { child, url, output: () => output, exited };
}

/** Runs `src/main.ts` from source (as `npm run dev` does), and waits until it prints its URL. */
export function startApiProcess(env: Record<string, string | undefined>, timeoutMs = 60_000, nodeArgs: string[] = []): Promise<ApiProcess> {
  return startProcess(process.execPath, [...nodeArgs, '--require', 'tsx/cjs', 'src/main.ts'], env, timeoutMs);
}

/**
 * Runs a full garbage collection in a process started with `--inspect=127.0.0.1:0`, through
 * its inspector (the URL it printed), so its RSS can be read at rest.
 */
export async function collectGarbage(output: string): Promise<void> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error('The process printed no inspector URL');
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  for (let id = 1; id <= 2; id++) {
    socket.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
    await new Promise<void>((resolve) => socket.on('message', (data) => JSON.parse(String(data)).id === id && resolve()));
  }
  socket.close();
}

/** A process's resident memory in bytes, and its open file descriptors. */
export function residentBytes(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/**
 * Runs the real `npm start` in the repository, leading its own process group (as a shell
 * runs a foreground job, so the group can be sent Ctrl-C's SIGINT), and waits for its URL.
 */
export function startNpmStart(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<ApiProcess> {
  return startProcess('npm', ['start'], env, timeoutMs, true);
}

/** Whether a process with this pid runs (an exited one not yet reaped does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Pid and command line of each child of `pid`. */
export function childProcesses(pid: number): Array<{ pid: number; command: string }> {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is none.
  }
  return out
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [, id, command] = /^\s*(\d+)\s+(.*)$/.exec(line)!;
      return { pid: Number(id), command };
    });
}

/** Pid of the PostgreSQL server running on an embedded data folder, from its postmaster.pid. */
export function postmasterPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
}

/** Waits until `pid` is gone, up to `timeoutMs`; resolves whether it is. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return !isAlive(pid);
}

/** POSTs a GraphQL query and returns status and body. */
export async function post(url: string, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: res.status, body: await res.json() };
}
