import type { EmbeddedPostgres } from '../../src/db/embedded';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<string, unknown>).__embeddedPostgres as EmbeddedPostgres | undefined)?.stop();
}
