import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError } from 'graphql';
import { handleProtocols, type ServerOptions as WsOptions } from 'graphql-ws';
import type { Config } from '../config';
import type { Scopes } from '../context';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import type { Admission } from '../graphql/admission';
import type { OperationRunner } from '../graphql/compiled-executor';
import { DocumentCache, type PreparedOperation } from '../graphql/documents';
import { badUserInput } from '../errors';
import { KnownOperationTypeRule } from '../graphql/rules';
import { checkOperation, limitsOn } from '../graphql/limits';
import type { InFlight } from '../graphql/operation-plugin';
import type { Hub } from '../subscriptions/hub';
import { CLOSE, closeReason, refuseUpgrade, SocketState, type SocketCounts, type SocketOperation } from './websocket-socket';
import { graphqlWsHandler, type SocketControl } from './websocket-adapter';
import { clientResult, operationsOf } from './websocket-operations';

/** Largest WebSocket message: a document within its limit, and variables. */
const MAX_MESSAGE_BYTES = 256 * 1024;
/** Most bytes waiting to be written to one socket before its client counts as a slow consumer. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Most bytes of variables a subscription keeps while it lives. */
const MAX_SUBSCRIPTION_VARIABLES_BYTES = 4 * 1024;
/** Longest wait, at shutdown, for clients to answer the close frame before their sockets are cut. */
const CLOSE_WAIT_MS = 1_000;

export interface WebSocketOptions {
  httpServer: Server;
  /** The GraphQL path, which WebSockets share with HTTP. */
  path: string;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  inFlight: InFlight;
  runner: OperationRunner;
  admission: Admission;
  scopes: Scopes;
  hub: Hub;
}

export interface WebSocketServerHandle {
  /** Sockets open now. */
  sockets(): number;
  /** Distinct bearer tokens with a socket open now. */
  tokens(): number;
  /**
   * Refuses new sockets, lets operations in flight finish (up to `graceMs`), then closes
   * every socket with 1001 (going away), cutting those that do not answer within a second.
   */
  stop(graceMs: number): Promise<void>;
}

type Extra = { socket: WebSocket; request: IncomingMessage; control: SocketControl; state?: SocketState };

/**
 * GraphQL over WebSockets (graphql-ws's graphql-transport-ws protocol) on the HTTP
 * server's own path: queries and mutations through the same runner, limits, admission and
 * error catalogue as HTTP; subscriptions registered with the hub. The bearer token comes in
 * `connection_init`. Every socket owns a {@link SocketState} that frees all it holds when
 * the socket closes, however it closes; ping/pong cuts sockets whose client vanished.
 */
export function attachWebSockets(options: WebSocketOptions): WebSocketServerHandle {
  const { httpServer, path, config, logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols });
  const documents = new DocumentCache(options.runner.schema, config.limits, [KnownOperationTypeRule]);
  const counts: SocketCounts = new Map();
  const live = { operations: 0, stopping: false };

  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (request.url ?? '/').split('?')[0];
    if (pathname !== path) return refuseUpgrade(socket, 404, 'Not Found');
    if (live.stopping || wss.clients.size >= config.live.maxSockets) return refuseUpgrade(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const serverOptions: WsOptions<Record<string, unknown>, Extra> = {
    onConnect: async (ctx) => {
      const state = await SocketState.open(ctx.connectionParams, ctx.extra.socket, ctx.extra.control, { ...options, counts });
      if (!state) return false;
      ctx.extra.state = state;
      return true;
    },
    onSubscribe: (ctx, id, payload) => {
      const prepared = documents.prepare(payload.query, payload.operationName);
      if (Array.isArray(prepared)) return prepared;
      const admitted = admit(options, ctx.extra.state!, id, prepared, payload);
      if (admitted instanceof GraphQLError) return [admitted];
      return { schema: options.runner.schema, document: prepared.document, operationName: payload.operationName, variableValues: payload.variables, contextValue: admitted };
    },
    ...operationsOf(options, live),
    onNext: (_ctx, _id, _payload, _args, result) => clientResult(result, options),
    onError: (_ctx, _id, _payload, errors) => clientResult({ errors }, options).errors,
    onClose: (ctx) => ctx.extra.state?.release(),
  };
  wss.on(
    'connection',
    graphqlWsHandler(serverOptions, {
      keepAliveMs: config.live.keepAliveMs,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      slowConsumer: { code: CLOSE.SLOW_CONSUMER, reason: closeReason(`Slow consumer: more than ${MAX_BUFFERED_BYTES / 1024 / 1024} MB waited to be sent`) },
      onSlowConsumer: () => {
        options.metrics.live.slowConsumers.inc();
        logger.warn('Closing a WebSocket whose client reads too slowly');
      },
      logger,
    }),
  );

  return {
    sockets: () => wss.clients.size,
    tokens: () => counts.size,
    stop: (graceMs) => stopSockets(wss, live, graceMs, options),
  };
}

/**
 * Measures an operation against the limits and the socket's bounds, and keeps only the
 * variables it declares (a subscription keeps them while it lives): the operation to run,
 * or why it is refused.
 */
function admit(options: WebSocketOptions, state: SocketState, id: string, prepared: PreparedOperation, payload: { variables?: Record<string, unknown> | null }): SocketOperation | GraphQLError {
  const { config, runner } = options;
  const declared = new Set((prepared.operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  const variables = Object.fromEntries(Object.entries(payload.variables ?? {}).filter(([name]) => declared.has(name)));
  payload.variables = variables;
  const subscription = prepared.operation.operation === 'subscription';
  if (subscription && JSON.stringify(variables).length > MAX_SUBSCRIPTION_VARIABLES_BYTES) {
    return badUserInput('variables', `A subscription's variables may take at most ${MAX_SUBSCRIPTION_VARIABLES_BYTES} bytes: it keeps them while it lives`);
  }
  const { cost, refusal } = limitsOn(config.limits) ? checkOperation(runner.schema, prepared.document, prepared.operation, variables, config.limits) : { cost: 0, refusal: undefined };
  return refusal ?? state.admit(id, subscription ? 'subscription' : 'operation') ?? { state, id, prepared, cost };
}

// Refuses new sockets, lets operations in flight finish (up to `graceMs`), then closes every
// socket with 1001, cutting those that do not answer within CLOSE_WAIT_MS.
async function stopSockets(wss: WebSocketServer, live: { operations: number; stopping: boolean }, graceMs: number, { hub, logger }: WebSocketOptions): Promise<void> {
  live.stopping = true;
  const deadline = Date.now() + graceMs;
  while (live.operations > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const client of wss.clients) client.close(CLOSE.GOING_AWAY, closeReason('Server shutting down'));
  const cut = Date.now() + CLOSE_WAIT_MS;
  while (wss.clients.size > 0 && Date.now() < cut) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const client of wss.clients) client.terminate();
  hub.endAll();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  logger.debug('WebSocket server stopped');
}
