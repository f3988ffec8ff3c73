import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adminQuery, useTestDatabase } from '../helpers/database';
import { onDatabase } from '../../src/db/admin/create-database';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI's source as its npm script does (tsx), never starting an embedded PostgreSQL. */
async function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [script, ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const CLIS = [
  ['token', 'src/cli/token.ts'],
  ['db:seed', 'prisma/seed.ts'],
  ['db:migrate', 'src/cli/migrate.ts'],
  ['bench', 'bench/run.ts'],
] as const;

describe('command-line tools', () => {
  it.each(CLIS)('npm run %s -- --help explains itself and exits 0', async (name, script) => {
    const { code, stdout } = await run(script, ['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: npm run ${name}`);
    expect(stdout).toContain('--help');
  });

  it.each(CLIS)('npm run %s refuses an unknown option', async (_name, script) => {
    const { code, stderr } = await run(script, ['--no-such-option']);
    expect(code).toBe(1);
    expect(stderr).toContain("Unknown option '--no-such-option'");
  });
});

describe('npm run token', () => {
  const handle = useTestDatabase();

  it('refuses a customer that does not exist', async () => {
    const { code, stdout, stderr } = await run('src/cli/token.ts', ['--customer', '999999'], { DATABASE_URL: handle.database.url });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('There is no customer 999999 in the database');
  });
});

describe('npm run db:migrate', () => {
  const name = `test_missing_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('creates a missing database, then migrates it', async () => {
    const url = onDatabase(process.env.TEST_ADMIN_URL!, name);
    const { code, stdout, stderr } = await run('src/cli/migrate.ts', [], { DATABASE_URL: `${url}?connection_limit=2` });
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining(`Created database ${name}`) });
    expect(stdout).toContain('Migrations are up to date.');
    const again = await run('src/cli/migrate.ts', [], { DATABASE_URL: url });
    expect(again).toEqual({ code: 0, stdout: 'Migrations are up to date.\n', stderr: '' });
  });
});
