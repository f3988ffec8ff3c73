import pg from 'pg';
import type { ServerProcess } from './servers/process';
import { postmasterPid } from './cpu';

/** Peaks seen while a sampler ran. */
export interface Peaks {
  /** Most server connections open at once for the watched application_name. */
  connections: number;
  /** Highest resident set size of the server process, in bytes. */
  rss: number;
}

const CONNECTION_INTERVAL_MS = 50;
const RSS_INTERVAL_MS = 250;

/**
 * Calls `sample` again `intervalMs` after each answer until the returned function is
 * called, which resolves (on every call) to the highest value seen. The one peak sampler: the benchmark's
 * connections and RSS, and the tests' server connections (test/helpers/database.ts).
 */
export function samplePeak(sample: () => Promise<number>, intervalMs: number): () => Promise<number> {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await sample());
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return peak;
  };
}

/**
 * Samples `pg_stat_activity` on its own connection, which it opens before any load
 * starts so it is never refused when a server exhausts `max_connections`.
 */
export class ConnectionSampler {
  private constructor(private readonly client: pg.Client) {}

  static async open(connectionString: string): Promise<ConnectionSampler> {
    const client = new pg.Client({ connectionString, application_name: 'bench-sampler' });
    await client.connect();
    return new ConnectionSampler(client);
  }

  /** The PostgreSQL postmaster's process id, when the server runs on this machine. */
  postmasterPid(): Promise<number | undefined> {
    return postmasterPid(this.client);
  }

  /** Connections open now for `applicationName`. */
  async count(applicationName: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return rows[0].n;
  }

  /** Samples the server's connections and RSS until the returned stop function is called. */
  watch(server: ServerProcess): () => Promise<Peaks> {
    const connections = samplePeak(() => this.count(server.applicationName), CONNECTION_INTERVAL_MS);
    const rss = samplePeak(async () => (await server.stats()).rss, RSS_INTERVAL_MS);
    return async () => {
      const [c, r] = await Promise.all([connections(), rss()]);
      return { connections: c, rss: r };
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
