import pg from 'pg';
import type { Logger } from '../logger';

/** Where the listener is in its life. */
export type ListenerState = 'connecting' | 'listening' | 'reconnecting' | 'closed';

export interface ListenerOptions {
  /** A direct PostgreSQL URL: LISTEN needs a session of its own (not a transaction-mode PgBouncer). */
  connectionString: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string | undefined): void;
  /** The connection was down from `since` to `until` (ms since the epoch): notifications sent meanwhile are lost. */
  onGap(since: number, until: number): void;
  logger: Logger;
  /** First wait before reconnecting, doubled each failure up to {@link maxBackoffMs}. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the idle connection is checked with a `SELECT 1`, so a silently dead one is noticed. */
  heartbeatMs?: number;
}

/** The listener's application_name: the URL's own (or the API's), and " listener", so operators can tell it apart. */
function listenerUrl(connectionString: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('application_name', `${url.searchParams.get('application_name') ?? 'media-store-api'} listener`);
  return url.toString();
}

/**
 * The process's one LISTEN connection, outside the pool (so a process holds
 * `connection_limit + 1` connections). It reconnects with jittered exponential back-off
 * whenever the connection fails, and reports each stretch it was down as a gap, so
 * subscribers learn that events may be missing. `close()` ends it for good.
 */
export class EventListener {
  state: ListenerState = 'connecting';
  /** Stretches the connection was down, since the process started. */
  gaps = 0;
  private client: pg.Client | undefined;
  private failures = 0;
  private downSince: number | undefined;
  private retry: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: ListenerOptions) {}

  /** Connects (in the background) and keeps connecting until {@link close}. */
  start(): void {
    void this.connect();
  }

  /** Ends the connection and every timer; no reconnection follows. */
  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retry);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    const { connectionString, channels, onNotification } = this.options;
    const client = new pg.Client({ connectionString: listenerUrl(connectionString), keepAlive: true, connectionTimeoutMillis: 5_000 });
    this.client = client;
    client.on('notification', (message) => onNotification(message.channel, message.payload));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      for (const channel of channels) await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      this.options.logger.warn({ err }, 'Event listener could not connect; retrying');
      this.lost(client);
      return;
    }
    if (this.client !== client) return; // closed meanwhile
    this.failures = 0;
    this.state = 'listening';
    this.heartbeat = setInterval(() => void client.query('SELECT 1').catch(() => this.lost(client)), this.options.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
    if (this.downSince !== undefined) {
      const since = this.downSince;
      this.downSince = undefined;
      this.gaps++;
      this.options.logger.warn({ since: new Date(since).toISOString(), downMs: Date.now() - since }, 'Event listener reconnected: events sent while it was down are lost; subscribers are told');
      this.options.onGap(since, Date.now());
    }
  }

  // The connection failed (or never opened): drop it and try again after a back-off.
  private lost(client: pg.Client): void {
    if (this.client !== client || this.state === 'closed') return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.downSince ??= Date.now();
    this.state = 'reconnecting';
    const { minBackoffMs = 100, maxBackoffMs = 5_000 } = this.options;
    const delay = Math.min(maxBackoffMs, minBackoffMs * 2 ** this.failures++) * (0.5 + Math.random() / 2);
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}
