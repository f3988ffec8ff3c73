/**
 * Keeps generated code and the compiled build in step with their inputs, without
 * redoing either when nothing changed (`npm start` runs `ensure generate build`).
 *
 *   node scripts/freshness.js ensure generate build   regenerate and/or rebuild if stale
 *   node scripts/freshness.js mark generate            record the inputs just generated from
 *
 * A step is fresh when the hash of its inputs (paths and contents) matches the one
 * recorded after it last succeeded. Contents, not modification times: a `git checkout`
 * that touches files without changing them costs nothing, and an edit made while a step
 * runs is not mistaken for one it saw.
 */
'use strict';
const { createHash } = require('node:crypto');
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');

/** Each step: what it reads, what it must have produced, where its stamp lives, how to run it. */
const STEPS = {
  generate: {
    inputs: ['prisma/schema.prisma', 'prisma/generate-model-meta.ts', 'prisma.config.ts', 'codegen.ts', 'package-lock.json', 'src/schema', 'scripts/print-schema.ts'],
    only: (file) => !file.startsWith('src/schema') || file.endsWith('.graphql'),
    outputs: ['src/generated/prisma/client.ts', 'src/generated/graphql.ts', 'src/generated/model-meta.ts', 'schema.graphql'],
    stamp: 'src/generated/.inputs-hash',
    // The npm script records its own stamp when it succeeds (also after `npm install`).
    run: () => spawnSync('npm', ['run', 'generate'], { cwd: ROOT, stdio: 'inherit' }),
  },
  build: {
    inputs: ['src', 'prisma/migrations', 'prisma/seed.ts', 'prisma/seed-data.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js'],
    only: () => true,
    outputs: ['dist/src/main.js'],
    stamp: 'dist/.inputs-hash',
    run: () => spawnSync(process.execPath, [join(__dirname, 'build.js')], { cwd: ROOT, stdio: 'inherit' }),
  },
};

function files(path) {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { recursive: true })
    .map((file) => relative(ROOT, join(full, String(file))))
    .filter((file) => statSync(join(ROOT, file)).isFile());
}

/** Hash of a step's input files, names and contents, in a stable order. */
function inputsHash(name) {
  const step = STEPS[name];
  const hash = createHash('sha256');
  for (const file of step.inputs.flatMap(files).filter(step.only).sort()) {
    // The stamps live among the inputs of the build; they are not inputs themselves.
    if (file.endsWith('.inputs-hash')) continue;
    hash.update(`${file}\0`).update(readFileSync(join(ROOT, file))).update('\0');
  }
  return hash.digest('hex');
}

function isFresh(name, hash) {
  const step = STEPS[name];
  const stamp = join(ROOT, step.stamp);
  return step.outputs.every((file) => existsSync(join(ROOT, file))) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash;
}

/** Records `hash` as the inputs a step last succeeded with. */
function mark(name, hash = inputsHash(name)) {
  writeFileSync(join(ROOT, STEPS[name].stamp), hash);
}

const LOCK = join(ROOT, '.freshness.lock');
/** Longest wait for another process's generate or build. */
const LOCK_WAIT_MS = 10 * 60_000;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// Two `npm start` at once on a changed tree must not both write src/generated/ and dist/.
// The lock file holds its owner's pid; a dead owner's lock is removed.
function withLock(fn) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder = 0;
    try {
      holder = Number(readFileSync(LOCK, 'utf8'));
    } catch {
      continue;
    }
    // An empty file is a lock being written.
    if (holder > 0 && !alive(holder)) rmSync(LOCK, { force: true });
    else if (Date.now() > deadline) throw new Error(`Process ${holder} has held ${LOCK} for ${LOCK_WAIT_MS / 1000} s; delete it if that process is gone`);
    else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** Runs each named step whose inputs changed since it last succeeded; throws if one fails. */
function ensure(names) {
  // Hashed before running, so an edit made meanwhile leaves the step stale.
  const stale = (name) => !isFresh(name, inputsHash(name));
  if (!names.some(stale)) return;
  withLock(() => {
    for (const name of names) {
      const hash = inputsHash(name);
      // Checked again under the lock: another process may have just run it.
      if (isFresh(name, hash)) continue;
      console.error(`${name}: inputs changed since the last run, running it`);
      const result = STEPS[name].run();
      if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status ?? result.signal})`);
      mark(name, hash);
    }
  });
}

module.exports = { ensure, mark, inputsHash, STEPS };

if (require.main === module) {
  const [command, ...names] = process.argv.slice(2);
  const unknown = names.filter((name) => !(name in STEPS));
  if (!['ensure', 'mark'].includes(command) || names.length === 0 || unknown.length > 0) {
    console.error(`Usage: node scripts/freshness.js ensure|mark ${Object.keys(STEPS).join('|')}…, but got: ${process.argv.slice(2).join(' ')}`);
    process.exit(2);
  }
  try {
    if (command === 'mark') names.forEach((name) => mark(name));
    else ensure(names);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
