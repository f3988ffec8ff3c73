import { useTestApi } from '../helpers/api';

const handle = useTestApi({ env: { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-of-at-least-32-chars' } });

describe('errors in production mode', () => {
  it('gives input errors a stable code and no stack trace', async () => {
    const res = await handle.api.query(`{ tracks(first: 500) { nodes { id } } }`);
    expect(res.errors?.[0]).toMatchObject({ message: 'first must be between 0 and 100, but got: 500', extensions: { code: 'BAD_USER_INPUT' } });
    expect(res.errors?.[0].extensions).not.toHaveProperty('stacktrace');
    expect(res.telemetry).toBeUndefined();
  });

  it('hides SQL and internals of unexpected failures behind INTERNAL_SERVER_ERROR', async () => {
    const client = await import('pg');
    const direct = new client.default.Client({ connectionString: handle.database.url });
    await direct.connect();
    await direct.query('ALTER TABLE genre RENAME TO genre_moved');
    try {
      const res = await handle.api.query(`{ genres { nodes { name } } }`);
      expect(res.errors).toEqual([{ message: 'Internal server error', locations: expect.any(Array), path: ['genres'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      expect(JSON.stringify(res)).not.toMatch(/genre_moved|SELECT|prisma|\.ts/i);
    } finally {
      await direct.query('ALTER TABLE genre_moved RENAME TO genre');
      await direct.end();
    }
  });

  it('has no introspection, Sandbox or explorer', async () => {
    const res = await handle.api.query(`{ __schema { types { name } } }`);
    expect(res.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const page = await fetch(handle.api.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/EmbeddedSandbox|graphiql/i);
    expect((await fetch(new URL('/explorer/graphiql.js', handle.api.url))).status).toBe(404);
  });
});
