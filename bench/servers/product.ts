/*
 * The product's modules as a benchmarked server loads them: compiled by `npm run build`
 * (dist/), as `npm start` runs them, when the bench built it (BENCH_COMPILED=1); else from
 * source through tsx. tsx's transpiled code is not what ships: it names every function it
 * creates (esbuild's keepNames), a cost on the request path of a few per cent.
 */
import { join } from 'node:path';

export type { ServerOptions } from '../../src/server';

/** Loads the product; only the processes that run it pay for its modules. */
export function loadProduct() {
  const root = join(__dirname, '..', '..', process.env.BENCH_COMPILED === '1' ? 'dist/src' : 'src');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(module: string): T => require(join(root, module)) as T;
  return {
    ...load<typeof import('../../src/config')>('config'),
    ...load<typeof import('../../src/db/client')>('db/client'),
    ...load<typeof import('../../src/db/stats')>('db/stats'),
    ...load<typeof import('../../src/context')>('context'),
    ...load<typeof import('../../src/loaders')>('loaders'),
    ...load<typeof import('../../src/writes/purchase')>('writes/purchase'),
    ...load<typeof import('../../src/logger')>('logger'),
    ...load<typeof import('../../src/server')>('server'),
  };
}
