import pg from 'pg';

// pg keeps the socket private; destroying it is the one way to fail a query the server
// does not answer (pg itself does so for a timed-out pipelined query).
interface ClientInternals {
  processID: number | null;
  connection?: { stream?: { destroy(): void } };
}

/**
 * Cuts connections that are still busy, e.g. a statement waiting for a lock: the server
 * terminates their backends (so they stop waiting and release what they hold), then their
 * sockets are destroyed here, which fails the statements they ran and lets the pool end.
 * Never throws; gives up on the server after `timeoutMs`.
 */
export async function terminateConnections(connectionString: string, clients: pg.Client[], timeoutMs: number): Promise<void> {
  const pids = clients.map((client) => (client as unknown as ClientInternals).processID).filter((pid): pid is number => typeof pid === 'number');
  if (pids.length > 0) {
    const admin = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'media-store-shutdown' });
    try {
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } catch {
      // The server is gone or busy: destroying the sockets below still frees this process.
    } finally {
      await admin.end().catch(() => undefined);
    }
  }
  for (const client of clients) (client as unknown as ClientInternals).connection?.stream?.destroy();
}
