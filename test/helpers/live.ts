import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

/** The WebSocket URL of an API whose HTTP GraphQL URL is `httpUrl`. */
export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** A graphql-ws client over real WebSockets, with no retries, signed in with `authorization`. */
export function connect(httpUrl: string, authorization?: string): Client {
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : undefined,
    retryAttempts: 0,
    lazy: true,
    keepAlive: 0,
  });
}

export interface Received {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

/** A subscription's results as they arrive, and a way to wait for the next. */
export interface Subscription {
  results: Received[];
  /** Resolves with the next result, or rejects after `ms`. */
  next(ms?: number): Promise<Received>;
  /** Resolves when the server completes it (or it fails). */
  ended: Promise<unknown>;
  dispose(): void;
}

/** Subscribes through `client` and collects what arrives. */
export function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Subscription {
  const results: Received[] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  let end!: (value: unknown) => void;
  const ended = new Promise((resolve) => (end = resolve));
  const dispose = client.subscribe<any>(
    { query, variables },
    {
      next: (value) => {
        results.push(value as Received);
        waiters.splice(0).forEach((wake) => wake());
      },
      error: (error) => end(error),
      complete: () => end('complete'),
    },
  );
  return {
    results,
    ended,
    dispose,
    async next(ms = 5_000) {
      const deadline = Date.now() + ms;
      while (results.length <= taken) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`No result within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(timer), resolve()));
        });
      }
      return results[taken++];
    },
  };
}

/** One result of a query or mutation sent over the socket. */
export function once(client: Client, query: string, variables?: Record<string, unknown>): Promise<Received> {
  return new Promise((resolve, reject) => {
    let result: Received | undefined;
    client.subscribe<any>({ query, variables }, { next: (value) => (result = value as Received), error: reject, complete: () => resolve(result!) });
  });
}

/** A raw graphql-transport-ws socket, for what a client library would not send. */
export async function rawSocket(httpUrl: string, protocol: string | undefined = 'graphql-transport-ws') {
  const socket = protocol ? new WebSocket(wsUrl(httpUrl), protocol) : new WebSocket(wsUrl(httpUrl));
  const messages: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    closed,
    send: (message: unknown) => socket.send(JSON.stringify(message)),
    /** Waits for a message of `type` (for `id`, if given). */
    async waitFor(type: string, id?: string, ms = 5_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages.find((m) => m.type === type && (id === undefined || m.id === id));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No ${type} message within ${ms} ms; got ${JSON.stringify(messages).slice(0, 300)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
export type RawSocket = Awaited<ReturnType<typeof rawSocket>>;
