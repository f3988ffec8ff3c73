import { GraphQLError } from 'graphql';
import type { Config } from '../config';
import { contextOf, type Context, type Scopes } from '../context';
import { eventsMissed } from '../errors';
import type { OperationRunner } from '../graphql/compiled-executor';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import { CHANNELS, parseEvent } from './events';
import { Hub } from './hub';
import { EventListener } from './listener';

export interface LiveOptions {
  config: Config;
  /** The LISTEN connection's URL unless LISTEN_DATABASE_URL is set. */
  databaseUrl: string;
  scopes: Scopes;
  runner: OperationRunner;
  logger: Logger;
  metrics: Metrics;
}

/** The process's live-update machinery: the LISTEN connection, and the hub it feeds. */
export interface Live {
  hub: Hub;
  listener: EventListener;
  /** For /health and /ready. */
  stats(): { listener: string; gaps: number; subscriptions: number; topics: number };
  close(): Promise<void>;
}

/**
 * Starts listening for events and builds the hub that resolves them for subscribers: each
 * event in a fresh operation scope (a new database door and loaders, the subscriber's
 * access rules) with a deadline of REQUEST_TIMEOUT_MS.
 */
export function startLive({ config, databaseUrl, scopes, runner, logger, metrics }: LiveOptions): Live {
  const { live } = metrics;
  const hub = new Hub({
    context: (viewer): Context => {
      const scope = { requestId: `event-${Date.now()}`, viewer };
      const signal = config.requestTimeoutMs > 0 ? AbortSignal.timeout(config.requestTimeoutMs) : undefined;
      return contextOf(scope, scopes.operationScope(scope, signal));
    },
    run: (operation, variables, context, event) => runner.run(operation, variables, context, event),
    failure: (err) => ({ errors: [err instanceof GraphQLError ? err : new GraphQLError('Resolving the event failed', { originalError: err instanceof Error ? err : new Error(String(err)) })] }),
    missed: (since, until) => ({ errors: [eventsMissed(since, until)] }),
    queueSize: config.live.queueSize,
    logger,
    observe: {
      received: (event) => live.eventsReceived.inc({ channel: event.channel }),
      resolved: (statements) => live.eventStatements.observe(statements),
      delivered: (latencyMs) => {
        live.eventsDelivered.inc();
        live.deliverySeconds.observe(Math.max(0, latencyMs) / 1000);
      },
      dropped: () => live.eventsDropped.inc(),
    },
  });
  const listener = new EventListener({
    connectionString: config.live.listenDatabaseUrl ?? databaseUrl,
    channels: Object.values(CHANNELS),
    onNotification: (channel, payload) => {
      const event = parseEvent(channel, payload);
      if (event) hub.publish(event);
      else logger.warn({ channel, payload: payload?.slice(0, 200) }, 'Ignored an ill-formed event');
    },
    onGap: (since, until) => {
      live.listenerGaps.inc();
      hub.gap(since, until);
    },
    logger,
  });
  listener.start();
  return {
    hub,
    listener,
    stats: () => ({ listener: listener.state, gaps: listener.gaps, subscriptions: hub.subscriptions, topics: hub.topicCount }),
    close: () => listener.close(),
  };
}
