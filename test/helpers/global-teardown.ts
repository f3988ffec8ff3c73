import type { PreparedDatabase } from '../../src/db/admin/bootstrap';

export default async function globalTeardown(): Promise<void> {
  await ((globalThis as Record<string, unknown>).__testDatabase as PreparedDatabase | undefined)?.stop();
}
