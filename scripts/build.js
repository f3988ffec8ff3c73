/**
 * `npm run build`: compiles the server (with the generated Prisma client, the seed and
 * package.json it imports) to dist/ with tsc, and copies beside the compiled code the
 * files it reads at run time from its own folder: the SDL (src/schema/index.ts) and the
 * migrations (src/db/admin/migrate.ts). Then `node dist/src/main.js` runs it.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** Folders copied into dist/ as they are, keeping only the files `keep` accepts. */
const ASSETS = [
  { dir: 'src/schema', keep: (file) => file.endsWith('.graphql') },
  { dir: 'prisma/migrations', keep: () => true },
];

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

for (const { dir, keep } of ASSETS) {
  const target = join(ROOT, 'dist', dir);
  // Every SDL file and migration found there is used: one whose source is gone must go too.
  if (existsSync(target)) {
    for (const file of readdirSync(target, { recursive: true }).map(String)) if (keep(file)) rmSync(join(target, file), { recursive: true, force: true });
  }
  cpSync(join(ROOT, dir), target, { recursive: true, filter: (path) => statSync(path).isDirectory() || keep(path) });
}
