import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { CloseCode, MessageType, makeServer, stringifyMessage, type ServerOptions } from 'graphql-ws';
import type { Logger } from '../logger';

/*
 * graphql-ws's protocol server, fitted to a `ws` socket by us rather than by its `useServer`,
 * for what a public endpoint needs and `useServer` does not do: every socket we close is cut
 * a second later if its client does not answer the close frame (`ws` would wait 30 s, a slot
 * held by a client that does not read); output waiting in memory is bounded; a ping is
 * answered without echoing its payload; messages of types a client may not send are the
 * client's mistake (4400), not an internal error; failures go to our log, not to stderr.
 */

/** Messages a client may send (graphql-transport-ws). */
const CLIENT_MESSAGES: ReadonlySet<string> = new Set([MessageType.ConnectionInit, MessageType.Ping, MessageType.Pong, MessageType.Subscribe, MessageType.Complete]);

/** How long a socket we closed may take to answer the close frame before it is cut. */
const CLOSE_GRACE_MS = 1_000;

/** What the rest of the server may do to a socket, put in graphql-ws's `extra`. */
export interface SocketControl {
  /** Closes with `code` and `reason`; cut after a second if the client does not answer. Once. */
  close(code: number, reason: string): void;
  /** The client reads too slowly: closed with `code` (once, however often it is said). */
  slow(code: number, reason: string): void;
}

export interface AdapterOptions {
  /** Ping interval; a socket that has not answered by the next ping is cut. 0: never. */
  keepAliveMs: number;
  /** Most bytes waiting to be written to one socket before it counts as a slow consumer. */
  maxBufferedBytes: number;
  /** Close code and reason for a slow consumer. */
  slowConsumer: { code: number; reason: string };
  /** Told once per socket closed as a slow consumer. */
  onSlowConsumer(request: IncomingMessage): void;
  logger: Logger;
}

type Extra = { socket: WebSocket; request: IncomingMessage; control: SocketControl };

// The message's type, when the text is a JSON object with one; graphql-ws checks the rest.
function typeOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

/** Returns the `ws` connection handler that speaks graphql-ws's protocol with `options`. */
export function graphqlWsHandler<E extends Extra>(options: ServerOptions<Record<string, unknown>, E>, adapter: AdapterOptions) {
  const server = makeServer(options);
  return (socket: WebSocket, request: IncomingMessage): void => {
    let cut: NodeJS.Timeout | undefined;
    let slow = false;
    const control: SocketControl = {
      close(code, reason) {
        if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) return;
        socket.close(code, reason);
        cut = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
      },
      slow(code, reason) {
        if (slow) return;
        slow = true;
        adapter.onSlowConsumer(request);
        control.close(code, reason);
      },
    };
    const keepAlive = heartbeat(socket, adapter.keepAliveMs);
    socket.on('error', (err) => adapter.logger.debug({ err }, 'WebSocket error'));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
            if (socket.bufferedAmount > adapter.maxBufferedBytes) control.slow(adapter.slowConsumer.code, adapter.slowConsumer.reason);
          }),
        close: (code, reason) => control.close(code ?? 1000, reason ?? ''),
        onMessage: (callback) =>
          socket.on('message', async (data) => {
            const text = String(data);
            if (!CLIENT_MESSAGES.has(typeOf(text) as string)) return control.close(CloseCode.BadRequest, 'Invalid message received');
            try {
              await callback(text);
            } catch (err) {
              adapter.logger.error({ err }, 'Handling a WebSocket message failed');
              control.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
        // Answered without the ping's payload: a client could otherwise have the server hold
        // copies of large payloads it never reads.
        onPing: () => {
          if (socket.readyState === socket.OPEN) socket.send(stringifyMessage({ type: MessageType.Pong }));
        },
      },
      { socket, request, control } as E,
    );
    socket.once('close', (code, reason) => {
      clearTimeout(cut);
      keepAlive();
      void closed(code, String(reason));
    });
  };
}

// Pings every `intervalMs`; a socket with no pong since the last ping is cut. Returns the stop.
function heartbeat(socket: WebSocket, intervalMs: number): () => void {
  if (!(intervalMs > 0)) return () => undefined;
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  return () => clearInterval(timer);
}
