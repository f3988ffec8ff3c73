import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/admin/embedded';
import { serverConnections, useTestDatabase } from '../helpers/database';
import { killApiProcesses, post, startApiProcess } from '../helpers/process';

afterAll(killApiProcesses);

const NESTED = `{ albums(first: 50) { nodes { title artist { name } tracks(first: 20) { nodes { name genre { name } } } } } }`;

describe('SIGTERM during load', () => {
  const handle = useTestDatabase();

  it('finishes in-flight requests, exits 0 and leaves no server connections', async () => {
    const api = await startApiProcess({ DATABASE_URL: `${handle.database.url}?connection_limit=1&application_name=e2e_sigterm` });
    // Warm up so the requests below are in flight, not still connecting.
    expect((await post(api.url, NESTED)).status).toBe(200);

    // A lock on album holds every request mid-flight until we let go.
    const blocker = new pg.Client({ connectionString: handle.database.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
    const inFlight = Array.from({ length: 30 }, () => post(api.url, NESTED));
    // SIGTERM only once the server holds all 30: a connection that has not yet sent
    // its request is idle, and a draining server may close it.
    const health = api.url.replace('/graphql', '/health');
    for (let n = 0; n < 30; ) n = ((await (await fetch(health)).json()) as { operationsInFlight: number }).operationsInFlight;
    api.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(api.child.exitCode).toBeNull();
    await blocker.query('COMMIT');
    await blocker.end();

    const results = await Promise.all(inFlight);
    for (const res of results) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.albums.nodes).toHaveLength(50);
    }
    expect(await api.exited).toBe(0);
    expect(await serverConnections(handle.database.name, 'e2e_sigterm')).toBe(0);
    await expect(post(api.url, NESTED)).rejects.toThrow();
  });

  it('cuts a statement stuck on a lock once the grace period is over, and exits 0', async () => {
    const graceSeconds = 2;
    const api = await startApiProcess({ DATABASE_URL: `${handle.database.url}?application_name=e2e_stuck`, SHUTDOWN_GRACE_SECONDS: String(graceSeconds) });
    const blocker = new pg.Client({ connectionString: handle.database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE album IN ACCESS EXCLUSIVE MODE');
      const stuck = post(api.url, NESTED).catch((err: Error) => err);
      const health = api.url.replace('/graphql', '/health');
      for (let n = 0; n < 1; ) n = ((await (await fetch(health)).json()) as { operationsInFlight: number }).operationsInFlight;

      const started = Date.now();
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan((graceSeconds + 4) * 1000);
      expect(api.output()).toContain('cutting the database connections still busy');
      // Its backend was terminated, not left waiting for the lock.
      expect(await serverConnections(handle.database.name, 'e2e_stuck')).toBe(0);
      await stuck;
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });
});

describe('embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'media-store-e2e-'));
  // As root the cluster runs as the unprivileged postgres user, who must reach the folder.
  chmodSync(dataDir, 0o755);
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  afterAll(() => {
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
    if (pid) process.kill(pid, 'SIGINT');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, migrates, seeds and serves with no DATABASE_URL, then stops its database on SIGTERM', async () => {
    const api = await startApiProcess({ DATA_DIR: dataDir });
    const res = await post(api.url, `{ artists(first: 2) { totalCount nodes { name } } }`);
    expect(res.body.data.artists.totalCount).toBe(275);
    expect(existsSync(pidFile)).toBe(true);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('reuses the cluster and adopts a server left running by a killed process', async () => {
    const first = await startApiProcess({ DATA_DIR: dataDir });
    expect(first.output()).not.toContain('Creating embedded PostgreSQL cluster');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(pidFile)).toBe(true);

    const second = await startApiProcess({ DATA_DIR: dataDir });
    expect(second.output()).toContain('left by an earlier run');
    const res = await post(second.url, `{ album(id: 1) { title } }`);
    expect(res.body.data.album.title).toEqual(expect.any(String));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('shares the server between two processes: the last one out stops it', async () => {
    const [first, second] = await Promise.all([startApiProcess({ DATA_DIR: dataDir }), startApiProcess({ DATA_DIR: dataDir })]);
    // The lock lets one start (or adopt) the server and the other join it.
    expect([first, second].filter((api) => api.output().includes('shared with 1 other process'))).toHaveLength(1);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('left running for 1 other process');
    const res = await post(second.url, `{ album(id: 1) { title } }`);
    expect(res.body.data.album.title).toEqual(expect.any(String));

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('Embedded PostgreSQL stopped');
    expect(existsSync(pidFile)).toBe(false);
  });

  it('lets in only connections with its password, and gives one to a cluster that trusted every local connection', async () => {
    const withPassword = (url: string, password: string) => {
      const u = new URL(url);
      u.password = password;
      return u.toString();
    };
    // How the server authenticated the connection, or the SQLSTATE it refused it with.
    const authentication = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return (await client.query<{ s: string | null }>('SELECT system_user AS s')).rows[0].s;
      } catch (err) {
        return (err as { code?: string }).code;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    const passwordFile = join(dataDir, 'postgres.password');

    let server = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    expect(await authentication(server.url)).toBe('scram-sha-256:postgres');
    expect(await authentication(withPassword(server.url, 'wrong'))).toBe('28P01');
    expect(statSync(passwordFile).mode & 0o077).toBe(0);
    await server.stop();

    // A cluster made before passwords were required: trust on loopback, no password file.
    writeFileSync(join(dataDir, 'postgres', 'pg_hba.conf'), 'host all all 127.0.0.1/32 trust\n');
    rmSync(passwordFile);
    server = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    try {
      expect(await authentication(server.url)).toBe('scram-sha-256:postgres');
      expect(await authentication(withPassword(server.url, 'wrong'))).toBe('28P01');
      expect(statSync(passwordFile).mode & 0o077).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('says so when the password file of a cluster that asks for one is lost', async () => {
    const passwordFile = join(dataDir, 'postgres.password');
    const lost = /asks for a password, but .*postgres\.password is missing/;
    const first = await startEmbeddedPostgres({ dataDir, database: 'postgres' });
    const kept = readFileSync(passwordFile);
    rmSync(passwordFile);
    try {
      // Sharing the running server: the server asks, and there is no password to give.
      await expect(startEmbeddedPostgres({ dataDir, database: 'postgres' })).rejects.toThrow(lost);
    } finally {
      writeFileSync(passwordFile, kept, { mode: 0o600 });
      await first.stop();
    }
    rmSync(passwordFile);
    try {
      // Alone: the new password it would set is refused (28P01).
      await expect(startEmbeddedPostgres({ dataDir, database: 'postgres' })).rejects.toThrow(lost);
    } finally {
      writeFileSync(passwordFile, kept, { mode: 0o600 });
    }
  });
});
