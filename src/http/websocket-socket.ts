import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { GraphQLError } from 'graphql';
import type { RequestScope } from '../context';
import { ErrorCode, unauthenticated } from '../errors';
import type { PreparedOperation } from '../graphql/documents';
import type { EventQueue } from '../subscriptions/event-queue';
import type { Topic } from '../subscriptions/hub';
import type { WebSocketOptions } from './websocket';

/** The close codes a socket may get from us, besides graphql-ws's own (4400, 4406, 4408, 4409, 4429, 4500). */
export const CLOSE = {
  /** Server shutting down (standard). */
  GOING_AWAY: 1001,
  /** The database could not check the token now; retry (standard "try again later"). */
  TRY_AGAIN_LATER: 1013,
  /** `connection_init` carried no bearer token. */
  UNAUTHORIZED: 4401,
  /** The bearer token is bad: malformed, badly signed, expired, or naming nobody. */
  FORBIDDEN: 4403,
  /** A subscriber fell SUBSCRIBER_QUEUE_SIZE results behind: the client reads too slowly. */
  SLOW_CONSUMER: 4008,
  /** The token already has MAX_SOCKETS_PER_TOKEN sockets open. */
  TOO_MANY_SOCKETS: 4029,
} as const;

/** How long a socket whose token expired stays open after its subscriptions ended, for their last messages. */
const EXPIRED_SOCKET_CLOSE_MS = 2_000;

/** A close frame's reason may hold at most 123 bytes. */
export function closeReason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 119).toString('utf8').replace(/\uFFFD$/, '')}…`;
}

/** Answers an upgrade request with an HTTP error and drops the connection. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** One operation a socket asked for, once it passed the limits. */
export interface SocketOperation {
  state: SocketState;
  prepared: PreparedOperation;
  cost: number;
}

export type Options = Pick<WebSocketOptions, 'config' | 'logger' | 'metrics' | 'inFlight' | 'runner' | 'admission' | 'scopes' | 'hub'>;

function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const headers = params?.headers as Record<string, unknown> | undefined;
  const value = params?.authorization ?? params?.Authorization ?? headers?.authorization ?? headers?.Authorization;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * What one socket holds, and its release: the viewer, its token's expiry timer, its place
 * in the per-token count, an abort signal for its operations' statements, and its
 * subscriptions. {@link release} runs when the socket closes, however it closes.
 */
export class SocketState {
  private readonly queues = new Set<EventQueue>();
  /** Subscriptions accepted and still being set up (their `subscribe` resolver runs). */
  private settingUp = 0;
  private readonly closed = new AbortController();
  private expiry: NodeJS.Timeout | undefined;
  private expired = false;
  private released = false;

  private constructor(
    readonly scope: RequestScope,
    private readonly token: string,
    private readonly socket: WebSocket,
    private readonly options: Options & { tokens: Map<string, number> },
  ) {
    options.tokens.set(token, (options.tokens.get(token) ?? 0) + 1);
    this.armExpiry();
  }

  /**
   * Checks `connection_init`'s bearer token and opens the socket's state, or closes the
   * socket (4401 no token, 4403 bad token, 4029 too many sockets, 1013 database down).
   */
  static async open(params: Record<string, unknown> | undefined, socket: WebSocket, options: Options & { tokens: Map<string, number> }): Promise<SocketState | undefined> {
    const authorization = authorizationOf(params);
    const close = (code: number, reason: string) => void socket.close(code, closeReason(reason));
    if (!authorization) return close(CLOSE.UNAUTHORIZED, 'Unauthorized: send connection_init with payload {"authorization": "Bearer <token>"}');
    let scope: RequestScope;
    try {
      scope = await options.scopes.requestScope({ authorization });
    } catch (err) {
      const code = err instanceof GraphQLError ? err.extensions.code : undefined;
      if (code === ErrorCode.UNAUTHENTICATED) return close(CLOSE.FORBIDDEN, `Forbidden: ${(err as Error).message}`);
      return close(CLOSE.TRY_AGAIN_LATER, 'The token could not be checked now; retry shortly');
    }
    if (socket.readyState !== socket.OPEN) return undefined; // the client left meanwhile
    if ((options.tokens.get(authorization) ?? 0) >= options.config.live.maxSocketsPerToken) {
      return close(CLOSE.TOO_MANY_SOCKETS, `Too many sockets for this token (MAX_SOCKETS_PER_TOKEN is ${options.config.live.maxSocketsPerToken})`);
    }
    return new SocketState(scope, authorization, socket, options);
  }

  /**
   * Takes a place for a subscription being set up, unless the socket holds its most
   * already (set-ups under way count: a client may send many subscribe messages at once).
   * The place is the subscription's once registered; {@link setUpDone} ends the set-up.
   */
  reserveSubscription(): boolean {
    if (this.queues.size + this.settingUp >= this.options.config.live.maxSubscriptionsPerSocket) return false;
    this.settingUp++;
    return true;
  }

  setUpDone(): void {
    this.settingUp--;
  }

  /** Why no new operation may start on this socket, if one may not. */
  refusal(): GraphQLError | undefined {
    return this.expired ? unauthenticated('The bearer token has expired: reconnect with a new one') : undefined;
  }

  tooManySubscriptions(): GraphQLError {
    const max = this.options.config.live.maxSubscriptionsPerSocket;
    return new GraphQLError(`This socket already holds ${max} subscriptions, the most allowed (MAX_SUBSCRIPTIONS_PER_SOCKET)`, {
      extensions: { code: ErrorCode.TOO_MANY_SUBSCRIPTIONS, limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET', max },
    });
  }

  /** Aborts when the socket closes: its operations' statements are cancelled. */
  get signal(): AbortSignal {
    return this.closed.signal;
  }

  /** Registers a subscription of this socket with the hub, released with the socket. */
  subscribe(topic: Topic, operation: PreparedOperation, variables: Record<string, unknown>): EventQueue {
    const queue: EventQueue = this.options.hub.add({
      topic,
      viewer: this.scope.viewer,
      operation,
      variables,
      onOverflow: () => this.slowConsumer(),
      onEnd: () => this.queues.delete(queue),
    });
    this.queues.add(queue);
    return queue;
  }

  /** Frees everything the socket held. Runs once, on close. */
  release(): void {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.expiry);
    this.closed.abort(new Error('The WebSocket closed'));
    for (const queue of [...this.queues]) void queue.return();
    const left = (this.options.tokens.get(this.token) ?? 1) - 1;
    if (left > 0) this.options.tokens.set(this.token, left);
    else this.options.tokens.delete(this.token);
  }

  // At the token's expiry its subscriptions end with UNAUTHENTICATED, and no new operation starts.
  private armExpiry(): void {
    const expiresAt = this.scope.tokenExpiresAt;
    if (expiresAt === undefined) return;
    const wait = expiresAt - Date.now();
    if (wait > 2 ** 31 - 1) {
      this.expiry = setTimeout(() => this.armExpiry(), 2 ** 31 - 1);
      return;
    }
    this.expiry = setTimeout(() => {
      this.expired = true;
      const last = { errors: [unauthenticated('The bearer token has expired: subscriptions end; reconnect with a new one')] };
      for (const queue of [...this.queues]) queue.finish(last);
      // Then the socket closes (4403), so a client library reconnects with a fresh token
      // rather than holding a socket that can do nothing.
      this.expiry = setTimeout(() => this.socket.close(CLOSE.FORBIDDEN, 'Forbidden: the bearer token has expired'), EXPIRED_SOCKET_CLOSE_MS);
    }, Math.max(0, wait));
  }

  private slowConsumer(): void {
    const max = this.options.config.live.queueSize;
    this.options.metrics.live.slowConsumers.inc();
    this.options.logger.warn({ requestId: this.scope.requestId }, 'Closing a WebSocket whose client reads too slowly');
    this.socket.close(CLOSE.SLOW_CONSUMER, closeReason(`Slow consumer: more than ${max} results waited to be sent (SUBSCRIBER_QUEUE_SIZE)`));
    // A client that does not read will not answer the close frame either.
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }
}
