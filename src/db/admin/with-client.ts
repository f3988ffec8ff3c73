import pg from 'pg';

/**
 * Runs `work` on a connection of its own, outside the pool (tooling: migrations, seeding,
 * database creation, tokens, tests), and closes it on every path.
 */
export async function withClient<T>(config: string | pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(typeof config === 'string' ? { connectionString: config } : config);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
