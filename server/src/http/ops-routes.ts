import express, { Router, type Express } from 'express';
import type { Registry } from 'prom-client';

export interface RouteDeps {
  /** False while the server drains for shutdown; load balancers then stop sending clients. */
  isServing: () => boolean;
  /** Dependencies that must be healthy for the node to take clients, by name. */
  checks: Record<string, () => boolean>;
  /** False until the dependencies have been reached once. */
  started: () => boolean;
}

/** Probes on the public port, where the load balancer checks them: liveness and readiness. */
export function createOpsRoutes(deps: RouteDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const checks = Object.fromEntries(
      Object.entries(deps.checks).map(([name, healthy]) => [name, healthy() ? 'up' : 'down']),
    );
    const depsUp = Object.values(checks).every((c) => c === 'up');
    // Only draining takes a node out of the load balancer. A shared dependency such as Redis
    // fails on every node at once: pulling them all would turn a degraded chat (sends refused
    // with UNAVAILABLE and retried) into no chat, with every connection cut.
    if (!deps.isServing()) res.status(503).json({ status: 'draining', checks });
    // A node that has never reached its dependencies would fail every request: it is not
    // ready yet. Once they have been up, an outage only degrades it (see above).
    else if (!deps.started()) res.status(503).json({ status: 'starting', checks });
    else res.json({ status: depsUp ? 'ready' : 'degraded', checks });
  });
  return router;
}

/**
 * The operators' listener: Prometheus metrics, on a port of their own bound to a private
 * address, never on the public chat port (they tell anyone connection counts, error rates
 * and process details).
 */
export function createMetricsApp(registry: Registry): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'not found' } });
  });
  return app;
}
