import { hostname } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { instrument } from '@socket.io/admin-ui';
import express, { type Router } from 'express';
import helmet from 'helmet';
import { ErrorCode } from '../../../common/contract.js';
import type { Auth } from '../accounts/auth.js';
import { readCookie, SESSION_COOKIE } from '../accounts/session-cookie.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ChatIO } from '../io.js';

/** The admin UI's namespace; a client of any other kind never connects to it. */
export const ADMIN_NAMESPACE = '/admin';

const refusal = (code: ErrorCode, message: string) =>
  Object.assign(new Error(message), { data: { code } });

/**
 * Socket.IO's admin UI for operators (`ADMIN_UI=true`): its namespace reports sockets, rooms
 * and events of every node (through the adapter), in production mode (aggregated events,
 * not each one). Its own authentication (a shared password) is off; instead every connection
 * to the namespace must carry the session of an account named in `ADMIN_USERS`, by the
 * session cookie (the UI is served from this origin at /admin/) or `auth.session`.
 */
export function instrumentAdmin(io: ChatIO, deps: { config: Config; auth: Auth; logger: Logger }) {
  instrument(io, {
    auth: false,
    mode: 'production',
    namespaceName: ADMIN_NAMESPACE,
    // Several nodes may share a host (npm run cluster): the process tells them apart.
    serverId: `${hostname()}#${process.pid}`,
  });
  io.of(ADMIN_NAMESPACE).use((socket, next) => {
    const given: unknown = (socket.handshake.auth as { session?: unknown }).session;
    const token =
      typeof given === 'string'
        ? given
        : readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    deps.auth.sessionUser(token).then(
      (signed) => {
        const username = signed?.account.username;
        if (!signed) next(refusal(ErrorCode.UNAUTHORIZED, 'sign in as an operator first'));
        else if (username === undefined || !(deps.config.adminUsers ?? []).includes(username)) {
          next(refusal(ErrorCode.NOT_ALLOWED, 'operators (ADMIN_USERS) only'));
        } else {
          deps.logger.info({ user: signed.account.id }, 'admin UI connected');
          next();
        }
      },
      (err: unknown) => {
        deps.logger.warn({ err }, 'admin UI sign-in check failed');
        next(refusal(ErrorCode.UNAVAILABLE, 'try again shortly'));
      },
    );
  });
}

/**
 * The admin UI's page, from the package's own build. It loads its fonts and icons from
 * Google Fonts and jsDelivr, and Vuetify sets styles inline: its CSP allows those styles and
 * fonts, and no script but its own. Anyone may load the page; only operators can connect.
 */
export function adminUiPage(): Router {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
  const router = express.Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: [
            "'self'",
            "'unsafe-inline'",
            'https://fonts.googleapis.com',
            'https://cdn.jsdelivr.net',
          ],
          fontSrc: ["'self'", 'https://fonts.gstatic.com', 'https://cdn.jsdelivr.net'],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      strictTransportSecurity: false,
    }),
    express.static(dir, { index: 'index.html' }),
  );
  return router;
}
