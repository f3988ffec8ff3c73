import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childProcesses, isAlive, killApiProcesses, post, postmasterPid, startNpmStart, waitForExit, type ApiProcess } from '../helpers/process';

const ROOT = join(__dirname, '..', '..');

// `npm start` as a container runtime, systemd or a terminal runs it: npm, then (through
// `exec`, no shell or TypeScript loader between) node running the compiled server.
describe('npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-store-npm-start-'));
  // As root the cluster runs as the unprivileged postgres user, who must reach the folder.
  chmodSync(dataDir, 0o755);

  beforeAll(() => {
    // What prestart does, done here so the tests time starting, not compiling.
    execFileSync(process.execPath, ['scripts/freshness.js', 'ensure', 'generate', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }, 180_000);
  afterAll(() => {
    killApiProcesses();
    const pid = postmasterPid(dataDir);
    if (pid && isAlive(pid)) process.kill(pid, 'SIGINT');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The server npm runs, and the PostgreSQL it started.
  async function start(): Promise<{ npm: ApiProcess; server: number; postmaster: number }> {
    const npm = await startNpmStart({ DATA_DIR: dataDir });
    // Nothing changed since beforeAll: prestart neither generates nor builds.
    expect(npm.output()).not.toContain('inputs changed');
    const [server, ...others] = childProcesses(npm.child.pid!);
    expect(others).toEqual([]);
    expect(server.command).toMatch(/^node .*dist\/src\/main\.js$/);
    expect((await post(npm.url, `{ album(id: 1) { title } }`)).body.data.album.title).toEqual(expect.any(String));
    return { npm, server: server.pid, postmaster: postmasterPid(dataDir)! };
  }

  it('stops the server and its PostgreSQL when npm alone gets SIGTERM, and npm exits 0', async () => {
    const { npm, server, postmaster } = await start();
    expect(isAlive(postmaster)).toBe(true);
    process.kill(npm.child.pid!, 'SIGTERM');
    expect(await npm.exited).toBe(0);
    expect(npm.output()).toContain('SIGTERM: shutting down');
    expect(await waitForExit(server, 5_000)).toBe(true);
    expect(await waitForExit(postmaster, 5_000)).toBe(true);
    expect(postmasterPid(dataDir)).toBeUndefined();
  });

  it('does the same on Ctrl-C, which sends SIGINT to the whole process group', async () => {
    const { npm, server, postmaster } = await start();
    process.kill(-npm.child.pid!, 'SIGINT');
    expect(await npm.exited).toBe(0);
    expect(await waitForExit(server, 5_000)).toBe(true);
    expect(await waitForExit(postmaster, 5_000)).toBe(true);
  });

  it('stops the server and its PostgreSQL when npm is killed outright', async () => {
    const { npm, server, postmaster } = await start();
    process.kill(npm.child.pid!, 'SIGKILL');
    await npm.exited;
    expect(await waitForExit(server, 10_000)).toBe(true);
    expect(await waitForExit(postmaster, 5_000)).toBe(true);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  });
});
