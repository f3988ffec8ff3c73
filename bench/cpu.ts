/*
 * CPU time by process accounting (Linux /proc): what a process and everything it has
 * spawned have spent, user and system, so a cell's CPU per request is the difference
 * taken around it. Where /proc cannot be read (another OS, a remote database) the figures
 * are NaN and the report shows a dash.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';

const TICKS_PER_SECOND = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

interface Stat {
  ppid: number;
  /** utime + stime of the process itself, and cutime + cstime of its children that have exited. */
  ticks: number;
}

// /proc/<pid>/stat: "pid (comm) state ppid … utime stime cutime cstime …"; comm may hold
// spaces and parentheses, so fields are counted from the last ')'.
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is state (field 3); utime is field 14, so fields[11].
  const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
  return { ppid: Number(fields[1]), ticks: utime + stime + cutime + cstime };
}

/**
 * CPU milliseconds spent so far by `pid` and all its descendants, living or exited (an
 * exited child's time is in its parent's cutime/cstime once reaped). NaN when `pid` is
 * not readable.
 */
export function treeCpuMs(pid: number): number {
  const root = readStat(pid);
  if (!root) return NaN;
  const children = new Map<number, number[]>();
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    stats.set(Number(name), stat);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(Number(name));
    else children.set(stat.ppid, [Number(name)]);
  }
  let ticks = 0;
  const pending = [pid];
  stats.set(pid, root);
  while (pending.length > 0) {
    const next = pending.pop()!;
    ticks += stats.get(next)?.ticks ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * The PostgreSQL server's main process (the postmaster), found as the parent of this
 * connection's backend; undefined when the server is not on this machine.
 */
export async function postmasterPid(client: pg.Client): Promise<number | undefined> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = readStat(rows[0].pid);
  return backend && readStat(backend.ppid) ? backend.ppid : undefined;
}

/** CPU spent by a server process and by PostgreSQL, sampled together. */
export interface CpuSample {
  apiMs: number;
  postgresMs: number;
}

export function sampleCpu(apiPid: number, postgresPid: number | undefined): CpuSample {
  return { apiMs: treeCpuMs(apiPid), postgresMs: postgresPid === undefined ? NaN : treeCpuMs(postgresPid) };
}
