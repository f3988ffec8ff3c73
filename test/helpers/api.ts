import { createTestDatabase, type TestDatabase } from './database';
import { startTestServer, type TestServer } from './server';

/**
 * Gives a test file its own seeded database and a real HTTP server over it, started in
 * beforeAll and stopped in afterAll. Read `.api` and `.database` inside tests.
 */
export function useTestApi(options: Parameters<typeof startTestServer>[1] = {}): { api: TestServer; database: TestDatabase } {
  const handle = {} as { api: TestServer; database: TestDatabase };
  beforeAll(async () => {
    handle.database = await createTestDatabase();
    handle.api = await startTestServer(handle.database.url, options);
  });
  afterAll(async () => {
    await handle.api?.stop();
    await handle.database?.drop();
  });
  return handle;
}
