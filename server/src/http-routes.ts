import { Router } from 'express';
import type { Registry } from 'prom-client';

export interface RouteDeps {
  registry: Registry;
  /** False while the server drains for shutdown; load balancers then stop sending clients. */
  isReady: () => boolean;
}

/** Operational endpoints: liveness, readiness and Prometheus metrics. */
export function createOpsRoutes(deps: RouteDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (deps.isReady()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'draining' });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  return router;
}
