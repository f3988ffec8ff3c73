import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterLeases } from '../../src/db/admin/cluster-lease';

// A pid no process has any more.
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

describe('clusterLeases', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'media-store-lease-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('counts live processes, not itself, and removes the leases of dead ones', async () => {
    const leases = clusterLeases(dir);
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      mkdirSync(join(dir, 'leases'));
      const started = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
      writeFileSync(join(dir, 'leases', String(sleeper.pid)), `${sleeper.pid} ${started}`);
      const dead = deadPid();
      writeFileSync(join(dir, 'leases', String(dead)), `${dead} 1`);
      // The pid of a live process that started at another time: a reused pid.
      writeFileSync(join(dir, 'leases', String(process.ppid)), `${process.ppid} 1`);
      leases.take();
      expect(leases.others()).toEqual([sleeper.pid]);
      expect(existsSync(join(dir, 'leases', String(dead)))).toBe(false);
      leases.drop();
      expect(existsSync(join(dir, 'leases', String(process.pid)))).toBe(false);
    } finally {
      sleeper.kill();
    }
  });

  it('breaks a lock left by a dead process and removes its own', async () => {
    writeFileSync(join(dir, 'cluster.lock'), `${deadPid()} 1`);
    expect(await clusterLeases(dir).withLock(async () => readFileSync(join(dir, 'cluster.lock'), 'utf8'))).toMatch(new RegExp(`^${process.pid} `));
    expect(existsSync(join(dir, 'cluster.lock'))).toBe(false);
  });

  it('waits for a live holder, then says which process holds the lock', async () => {
    writeFileSync(join(dir, 'cluster.lock'), `${process.ppid}`);
    await expect(clusterLeases(dir, 300).withLock(async () => undefined)).rejects.toThrow(`Process ${process.ppid} has held ${join(dir, 'cluster.lock')} for over 0.3 s`);
  });

  it('lets one process at a time hold the lock', async () => {
    const order: string[] = [];
    const hold = (name: string) =>
      clusterLeases(dir).withLock(async () => {
        order.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 150));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
  });
});
