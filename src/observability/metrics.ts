import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InstrumentedPool } from '../db/instrumented-pool';
import { OperationLabels } from './operation-label';

/**
 * `extensions.code`s of the errors that refuse an operation for exceeding a limit
 * (size, depth, aliases, cost…). Each is a value of `graphql_limit_refusals_total{limit}`.
 */
export const LIMIT_REFUSAL_CODES = [
  'DOCUMENT_TOO_LARGE',
  'TOO_MANY_TOKENS',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'TOO_MANY_DIRECTIVES',
  'TOO_MANY_FIELDS',
  'QUERY_TOO_COSTLY',
] as const;

const LIMIT_CODES: ReadonlySet<string> = new Set(LIMIT_REFUSAL_CODES);
// Codes come from our own error catalogue, but a label must stay bounded whatever reaches it.
const LABEL_SAFE_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The metrics of one server, in a registry of its own (tests run several servers in one process). */
export interface Metrics {
  registry: Registry;
  /** Label values for client-chosen operation names, cardinality bounded. */
  operationLabels: OperationLabels;
  requestDuration: Histogram<'operation' | 'outcome'>;
  statements: Histogram;
  peakConnections: Histogram;
  cost: Histogram;
  /** Counts one error sent to a client under every counter its code belongs to. */
  countError(code: unknown): void;
  /** A code as a label value: itself when well-formed, else `OTHER`. */
  codeLabel(code: unknown): string;
  /** Subscriptions and WebSockets. */
  live: LiveMetrics;
  /** Stops listening to the pool. */
  close(): void;
}

/** What the live-update gauges read when scraped. */
export interface LiveGauges {
  sockets(): number;
  subscriptions(): number;
  listening(): boolean;
}

export interface LiveMetrics {
  eventsReceived: Counter<'channel'>;
  eventsDelivered: Counter;
  eventsDropped: Counter;
  listenerGaps: Counter;
  slowConsumers: Counter;
  deliverySeconds: Histogram;
  eventStatements: Histogram;
  /** Where the gauges read their values; until called they read 0. */
  readFrom(gauges: LiveGauges): void;
}

/** Creates the registry with every metric of the API, reading pool gauges at scrape time. */
export function createMetrics(pool: InstrumentedPool): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const operations = operationMetrics(registry);
  const errors = errorMetrics(registry);
  const stopListening = poolMetrics(registry, pool);
  const codeLabel = (code: unknown) => (typeof code === 'string' && LABEL_SAFE_CODE.test(code) ? code : 'OTHER');
  return {
    registry,
    operationLabels: new OperationLabels(),
    ...operations,
    live: liveMetrics(registry),
    codeLabel,
    countError(code) {
      const label = codeLabel(code);
      errors.total.inc({ code: label });
      if (label === 'DATABASE_BUSY') errors.busy.inc();
      if (label === 'DATABASE_UNAVAILABLE') errors.unavailable.inc();
      if (LIMIT_CODES.has(label)) errors.limitRefusals.inc({ limit: label });
    },
    close: stopListening,
  };
}

function operationMetrics(registry: Registry) {
  return {
    requestDuration: new Histogram({
      name: 'graphql_request_duration_seconds',
      help: 'Time to answer a GraphQL request, from its context being built to its response being ready, by operation name and outcome (ok or the first error code)',
      labelNames: ['operation', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    statements: new Histogram({
      name: 'graphql_operation_statements',
      help: 'SQL statements sent by one executed operation, BEGIN/COMMIT included',
      buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100],
      registers: [registry],
    }),
    peakConnections: new Histogram({
      name: 'graphql_operation_peak_connections',
      help: 'Most pooled connections one executed operation held at once',
      buckets: [0, 1, 2, 3, 4, 6, 8, 12, 16],
      registers: [registry],
    }),
    cost: new Histogram({
      name: 'graphql_operation_cost',
      help: 'Estimated cost of one executed operation, when cost analysis computed it',
      buckets: [1, 4, 16, 64, 256, 1024, 4096, 16384],
      registers: [registry],
    }),
  };
}

function errorMetrics(registry: Registry) {
  const limitRefusals = new Counter({
    name: 'graphql_limit_refusals_total',
    help: 'Operations refused for exceeding a limit, by the limit (its error code)',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  // Every limit has a series from the start, so a rate over it is never "no data".
  for (const limit of LIMIT_REFUSAL_CODES) limitRefusals.inc({ limit }, 0);
  return {
    total: new Counter({ name: 'graphql_errors_total', help: 'Errors sent to clients, by extensions.code', labelNames: ['code'] as const, registers: [registry] }),
    busy: new Counter({ name: 'db_busy_total', help: 'DATABASE_BUSY errors sent: no pooled connection freed up within pool_timeout', registers: [registry] }),
    unavailable: new Counter({ name: 'db_unavailable_total', help: 'DATABASE_UNAVAILABLE errors sent: the database could not be reached', registers: [registry] }),
    limitRefusals,
  };
}

// Gauges read the pool when scraped; the acquire-wait histogram is fed by the pool itself.
function poolMetrics(registry: Registry, pool: InstrumentedPool): () => void {
  const gauge = (name: string, help: string, read: (usage: InstrumentedPool['usage']) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(pool.usage));
      },
    });
  gauge('db_pool_connections', 'Connections the pool has open, busy or idle', (u) => u.size);
  gauge('db_pool_idle_connections', 'Open connections not checked out', (u) => u.idle);
  gauge('db_pool_waiting_requests', 'Checkouts queued for a connection', (u) => u.waiting);
  gauge('db_pool_max_connections', 'Most connections the pool may open (connection_limit)', (u) => u.max);
  const acquireWait = new Histogram({
    name: 'db_pool_acquire_wait_seconds',
    help: 'Time a checkout waited for a pooled connection',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return pool.onAcquireWait((waitedMs) => acquireWait.observe(waitedMs / 1000));
}

function liveMetrics(registry: Registry): LiveMetrics {
  let source: LiveGauges = { sockets: () => 0, subscriptions: () => 0, listening: () => false };
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('ws_sockets_open', 'WebSockets open now (graphql-ws)', () => source.sockets());
  gauge('subscriptions_active', 'Subscriptions registered now, over all sockets', () => source.subscriptions());
  gauge('event_listener_connected', '1 while the LISTEN connection is up, else 0', () => (source.listening() ? 1 : 0));
  const counter = (name: string, help: string) => new Counter({ name, help, registers: [registry] });
  return {
    eventsReceived: new Counter({ name: 'events_received_total', help: 'NOTIFY events received by this process, by channel', labelNames: ['channel'] as const, registers: [registry] }),
    eventsDelivered: counter('events_delivered_total', 'Event results handed to subscribers (one per subscriber and event)'),
    eventsDropped: counter('events_dropped_total', 'Events dropped because too many waited to be resolved (subscribers get EVENTS_MISSED)'),
    listenerGaps: counter('event_listener_gaps_total', 'Times the LISTEN connection came back after being down (subscribers get EVENTS_MISSED)'),
    slowConsumers: counter('ws_slow_consumer_closes_total', 'Sockets closed because a subscriber fell SUBSCRIBER_QUEUE_SIZE results behind'),
    deliverySeconds: new Histogram({
      name: 'event_delivery_seconds',
      help: 'From the writing statement (just before its commit) to the result being handed to the socket',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventStatements: new Histogram({
      name: 'event_statements',
      help: 'SQL statements one event cost to resolve for all its subscribers (one operation scope per access class)',
      buckets: [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 100],
      registers: [registry],
    }),
    readFrom(gauges) {
      source = gauges;
    },
  };
}
