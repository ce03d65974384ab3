import { adminUiPage } from './admin-ui.js';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { ErrorCode } from '../../../common/contract.js';
import type { Auth } from '../accounts/auth.js';
import { createAuthRoutes, type AuthRoutesDeps } from './auth-routes.js';
import { securityHeaders } from './client-assets.js';
import type { Config } from '../config.js';
import { fail, internalError, sendHttpError } from '../errors.js';
import { createOpsRoutes } from './ops-routes.js';
import type { Logger } from '../logger.js';
import { createPushApi, type PushApiDeps } from './push-api.js';

export interface HttpAppDeps extends PushApiDeps {
  config: Config;
  logger: Logger;
  isServing: () => boolean;
  checks: Record<string, () => boolean>;
  started: () => boolean;
  auth: Auth;
  /** Origins whose pages may sign in and out. */
  allowedOrigins: () => readonly string[];
  /** Closes the open connections of sessions that just ended. */
  sessionsEnded: AuthRoutesDeps['sessionsEnded'];
  /** Tells the chat that a user changed their display name. */
  renamed: AuthRoutesDeps['renamed'];
}

export interface HttpApp {
  app: Express;
  /** Serves the browser client; filled in once the assets are ready (see listen()). */
  serveClient(handler: RequestHandler): void;
}

/**
 * The Express app beside Socket.IO: security headers, the operational endpoints, the push
 * API, then the browser client, all on the origin of /socket.io/. Errors answer as
 * `{ error: { code, message } }`, never with a stack.
 */
export function createHttpApp(deps: HttpAppDeps): HttpApp {
  const app = express();
  app.disable('x-powered-by');
  if (deps.config.trustProxy !== undefined) app.set('trust proxy', deps.config.trustProxy);
  // The admin UI's page has headers of its own (admin-ui.ts), so it comes first.
  if (deps.config.adminUi) app.use('/admin', adminUiPage());
  app.use(securityHeaders(deps.config.client));
  app.use(
    createOpsRoutes({
      isServing: deps.isServing,
      checks: deps.checks,
      started: deps.started,
    }),
  );
  app.use(
    createAuthRoutes({
      auth: deps.auth,
      logger: deps.logger,
      sessionTtlMs: deps.config.sessionTtlMs,
      guests: deps.config.guests,
      maxTextLength: deps.config.maxTextLength,
      allowedOrigins: deps.allowedOrigins,
      sessionsEnded: deps.sessionsEnded,
      renamed: deps.renamed,
    }),
  );
  app.use(createPushApi(deps));
  const clientRouter = express.Router();
  app.use(clientRouter);
  app.use((_req, res) => {
    sendHttpError(res, fail(ErrorCode.NOT_FOUND, 'not found'));
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    deps.logger.error({ err, method: req.method, url: req.url }, 'request failed');
    if (!res.headersSent) sendHttpError(res, internalError());
  };
  app.use(onError);
  return {
    app,
    serveClient(handler) {
      clientRouter.use(handler);
    },
  };
}
