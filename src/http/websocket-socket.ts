import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { GraphQLError } from 'graphql';
import type { RequestScope } from '../context';
import { badUserInput, echo, ErrorCode, unauthenticated } from '../errors';
import type { Viewer } from '../auth/access';
import type { SocketControl } from './websocket-adapter';
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
  // Destroyed once the answer is written, not before (which could drop it).
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** One operation a socket asked for, once it passed the limits. */
export interface SocketOperation {
  state: SocketState;
  /** The client's id for it. */
  id: string;
  prepared: PreparedOperation;
  cost: number;
}

export type Options = Pick<WebSocketOptions, 'config' | 'logger' | 'metrics' | 'inFlight' | 'runner' | 'admission' | 'scopes' | 'hub'>;

/** Sockets open per signed-in principal (`customer:5`), whatever tokens they use. */
export type SocketCounts = Map<string, number>;

function authorizationOf(params: Record<string, unknown> | undefined): string | undefined {
  const headers = params?.headers as Record<string, unknown> | undefined;
  const value = params?.authorization ?? params?.Authorization ?? headers?.authorization ?? headers?.Authorization;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

const principalOf = (viewer: Viewer) => (viewer.role === 'customer' ? `customer:${viewer.customerId}` : viewer.role === 'employee' ? `employee:${viewer.employeeId}` : 'anonymous');

/**
 * What one socket holds, and its release: the viewer, its token's expiry timer, its place
 * in the per-principal count, an abort signal for its operations' statements, the ids of its
 * operations in flight, and its subscriptions. {@link release} runs when the socket closes,
 * however it closes.
 */
export class SocketState {
  private readonly queues = new Set<EventQueue>();
  /** Operations in flight by id: queries, mutations, and subscriptions still being set up. */
  private readonly busy = new Map<string, 'subscription' | 'operation'>();
  private settingUp = 0;
  private readonly closed = new AbortController();
  private expiry: NodeJS.Timeout | undefined;
  private expired = false;
  private released = false;

  private constructor(
    readonly scope: RequestScope,
    private readonly principal: string,
    private readonly control: SocketControl,
    private readonly options: Options & { counts: SocketCounts },
  ) {
    options.counts.set(principal, (options.counts.get(principal) ?? 0) + 1);
    this.armExpiry();
  }

  /**
   * Checks `connection_init`'s bearer token and opens the socket's state, or closes the
   * socket (4401 no token, 4403 bad token, 4029 too many sockets, 1013 database down).
   */
  static async open(params: Record<string, unknown> | undefined, socket: WebSocket, control: SocketControl, options: Options & { counts: SocketCounts }): Promise<SocketState | undefined> {
    const authorization = authorizationOf(params);
    const close = (code: number, reason: string) => void control.close(code, closeReason(reason));
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
    const principal = principalOf(scope.viewer);
    const max = options.config.live.maxSocketsPerToken;
    if ((options.counts.get(principal) ?? 0) >= max) return close(CLOSE.TOO_MANY_SOCKETS, `Too many sockets for this user (MAX_SOCKETS_PER_TOKEN is ${max})`);
    return new SocketState(scope, principal, control, options);
  }

  /**
   * Takes a place for operation `id`, or says why it may not start: the token expired, the
   * id is still in flight, or the socket has its most: MAX_OPERATIONS_PER_SOCKET queries and
   * mutations in flight, or MAX_SUBSCRIPTIONS_PER_SOCKET subscriptions, set-ups under way
   * included. {@link done} gives the place back.
   */
  admit(id: string, kind: 'subscription' | 'operation'): GraphQLError | undefined {
    const { maxOperationsPerSocket, maxSubscriptionsPerSocket } = this.options.config.live;
    if (this.expired) return unauthenticated('The bearer token has expired: reconnect with a new one');
    if (this.busy.has(id)) return badUserInput('id', `Operation ${echo(id)} is still in flight: wait for it, or use another id`);
    if (kind === 'operation' && this.busy.size - this.settingUp >= maxOperationsPerSocket) {
      return tooMany(ErrorCode.TOO_MANY_OPERATIONS, 'queries and mutations in flight', 'MAX_OPERATIONS_PER_SOCKET', maxOperationsPerSocket);
    }
    if (kind === 'subscription' && this.queues.size + this.settingUp >= maxSubscriptionsPerSocket) {
      return tooMany(ErrorCode.TOO_MANY_SUBSCRIPTIONS, 'subscriptions', 'MAX_SUBSCRIPTIONS_PER_SOCKET', maxSubscriptionsPerSocket);
    }
    this.busy.set(id, kind);
    if (kind === 'subscription') this.settingUp++;
    return undefined;
  }

  /** Operation `id` is answered, or its subscription registered (or refused). */
  done(id: string): void {
    if (this.busy.get(id) === 'subscription') this.settingUp--;
    this.busy.delete(id);
  }

  /** Aborts when the socket closes: its operations' statements are cancelled. */
  get signal(): AbortSignal {
    return this.closed.signal;
  }

  /**
   * Registers a subscription of this socket with the hub, released with the socket.
   * @throws UNAUTHENTICATED when the token expired (or the socket closed) while it was set up
   */
  subscribe(topic: Topic, operation: PreparedOperation, variables: Record<string, unknown>): EventQueue {
    if (this.expired || this.released) throw unauthenticated('The bearer token has expired: reconnect with a new one');
    const queue: EventQueue = this.options.hub.add({
      topic,
      viewer: this.scope.viewer,
      operation,
      variables,
      onOverflow: () => this.control.slow(CLOSE.SLOW_CONSUMER, closeReason(`Slow consumer: more than ${this.options.config.live.queueSize} results waited to be sent (SUBSCRIBER_QUEUE_SIZE)`)),
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
    const left = (this.options.counts.get(this.principal) ?? 1) - 1;
    if (left > 0) this.options.counts.set(this.principal, left);
    else this.options.counts.delete(this.principal);
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
      this.expiry = setTimeout(() => this.control.close(CLOSE.FORBIDDEN, 'Forbidden: the bearer token has expired'), EXPIRED_SOCKET_CLOSE_MS);
    }, Math.max(0, wait));
  }
}

function tooMany(code: ErrorCode, what: string, limit: string, max: number): GraphQLError {
  return new GraphQLError(`This socket already has ${max} ${what}, the most allowed (${limit})`, { extensions: { code, limit, max } });
}
