import type express from 'express';
import type { InstrumentedPool } from '../db/instrumented-pool';
import { RETRY_AFTER_SECONDS } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { Readiness } from './readiness';

export interface HealthRoutesOptions {
  pool: InstrumentedPool;
  /** GraphQL operations executing now. */
  operationsInFlight(): number;
  readiness: Readiness;
  metrics: Metrics;
  /** Sockets, subscriptions and the LISTEN connection's state. */
  live(): Record<string, unknown>;
}

/**
 * Mounts the operator's endpoints: `GET /health` (liveness: 200 while the process answers),
 * `GET /ready` (readiness: 200, or 503 with `Retry-After` and the reason) and
 * `GET /metrics` (Prometheus text format).
 */
export function mountHealthRoutes(app: express.Express, { pool, operationsInFlight, readiness, metrics, live }: HealthRoutesOptions): void {
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', operationsInFlight: operationsInFlight(), pool: pool.usage, live: live() });
  });
  app.get('/ready', async (_req, res) => {
    const state = await readiness.check();
    if (state.ready) {
      res.json({ status: 'ready', pool: pool.usage, live: live() });
      return;
    }
    res.status(503).set('retry-after', String(RETRY_AFTER_SECONDS)).json({ status: 'not ready', reason: state.reason, pool: pool.usage, live: live() });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
