import express, { Router, type CookieOptions, type Request, type Response } from 'express';
import {
  ErrorCode,
  type AckFailure,
  type AuthResponse,
  type Member,
  type PublicUser,
  type SessionInfo,
} from '../../../common/contract.js';
import { memberOf, publicUser, type Auth, type SignedIn } from '../accounts/auth.js';
import { readCookie, SESSION_COOKIE } from '../accounts/session-cookie.js';
import { fail, sendHttpError, toFailure } from '../errors.js';
import type { Logger } from '../logger.js';

export interface AuthRoutesDeps {
  auth: Auth;
  logger: Logger;
  sessionTtlMs: number;
  /** Whether guests may sign in (`GUESTS`). */
  guests: boolean;
  /** `MAX_TEXT_LENGTH`, which pages bound their editors by. */
  maxTextLength: number;
  /** Origins whose pages may call the state-changing routes. */
  allowedOrigins: () => readonly string[];
  /** Closes the open connections of one ended session, or of every session of a user. */
  sessionsEnded: (userId: string, sessionId: string | undefined) => void;
  /** Announces a new display name to the rooms the user is in. */
  renamed: (member: Member, previousName: string) => Promise<void>;
}

const isFailure = (r: SignedIn | AckFailure): r is AckFailure => 'ok' in r;

/**
 * The accounts API under /api/auth: JSON in and out, errors as `{ error: { code, message } }`.
 * The session travels in an HttpOnly cookie; a POST from another origin's page is refused,
 * so that no other site can sign a visitor in or out.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its routes), each well under the limit
export function createAuthRoutes(deps: AuthRoutesDeps): Router {
  const router = Router();
  router.use('/api/auth', express.json({ limit: 4096 }));

  router.use('/api/auth', (req, res, next) => {
    const origin = req.get('origin');
    // Browsers send Origin with every cross-site POST; a request without one is not a page's.
    if (req.method !== 'GET' && origin !== undefined && !deps.allowedOrigins().includes(origin)) {
      sendHttpError(res, fail(ErrorCode.FORBIDDEN, 'requests from this origin are not allowed'));
      return;
    }
    next();
  });

  const cookie = (req: Request): CookieOptions => ({
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    // req.secure believes X-Forwarded-Proto only from the proxies TRUST_PROXY names.
    secure: req.secure,
    maxAge: deps.sessionTtlMs,
  });

  const signedIn = (req: Request, res: Response, status: number, result: SignedIn) => {
    res.cookie(SESSION_COOKIE, result.token, cookie(req));
    const body: AuthResponse = { user: publicUser(result.account) };
    res.status(status).json(body);
  };

  const body = (req: Request): Record<string, unknown> =>
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};

  /** Runs a route; anything unexpected is logged and answered as INTERNAL. */
  const route =
    (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => {
      handler(req, res).catch((err: unknown) => {
        sendHttpError(res, toFailure(err, deps.logger, { route: req.path }));
      });
    };

  router.post(
    '/api/auth/signup',
    route(async (req, res) => {
      const b = body(req);
      const result = await deps.auth.signup(
        { username: b.username, password: b.password, displayName: b.displayName },
        req.ip ?? 'unknown',
      );
      if (isFailure(result)) sendHttpError(res, result);
      else signedIn(req, res, 201, result);
    }),
  );

  router.post(
    '/api/auth/login',
    route(async (req, res) => {
      const b = body(req);
      const result = await deps.auth.login(b.username, b.password, req.ip ?? 'unknown');
      if (isFailure(result)) sendHttpError(res, result);
      else signedIn(req, res, 200, result);
    }),
  );

  router.post(
    '/api/auth/guest',
    route(async (req, res) => {
      const result = await deps.auth.guest(body(req).name, req.ip ?? 'unknown');
      if (isFailure(result)) sendHttpError(res, result);
      else signedIn(req, res, 201, result);
    }),
  );

  const current = (req: Request) =>
    deps.auth.sessionUser(readCookie(req.get('cookie'), SESSION_COOKIE));

  /** The signed-in account and session, or undefined after answering 401. */
  const signedInOr401 = async (req: Request, res: Response) => {
    const signed = await current(req);
    if (!signed) sendHttpError(res, fail(ErrorCode.UNAUTHORIZED, 'not signed in'));
    return signed;
  };

  /** The signed-in user, with the cookie renewed as the session slid forward. */
  const renewed = async (req: Request, res: Response): Promise<PublicUser | undefined> => {
    const signed = await current(req);
    if (!signed) return undefined;
    const token = readCookie(req.get('cookie'), SESSION_COOKIE) ?? '';
    res.cookie(SESSION_COOKIE, token, cookie(req));
    return publicUser(signed.account);
  };

  router.get(
    '/api/auth/me',
    route(async (req, res) => {
      const user = await renewed(req, res);
      if (!user) {
        sendHttpError(res, fail(ErrorCode.UNAUTHORIZED, 'not signed in'));
        return;
      }
      res.json({ user } satisfies AuthResponse);
    }),
  );

  router.get(
    '/api/auth/session',
    route(async (req, res) => {
      const user = (await renewed(req, res)) ?? null;
      res.json({
        user,
        guests: deps.guests,
        maxTextLength: deps.maxTextLength,
      } satisfies SessionInfo);
    }),
  );

  router.patch(
    '/api/auth/me',
    route(async (req, res) => {
      const signed = await signedInOr401(req, res);
      if (!signed) return;
      const before = signed.account;
      const result = await deps.auth.rename(before, body(req).name);
      if ('ok' in result) {
        sendHttpError(res, result);
        return;
      }
      const user = publicUser(result);
      if (result.name !== before.name) await deps.renamed(memberOf(result), before.name);
      res.json({ user } satisfies AuthResponse);
    }),
  );

  router.post(
    '/api/auth/logout',
    route(async (req, res) => {
      const signed = await current(req);
      if (signed) {
        await deps.auth.logout(signed.session.id);
        deps.sessionsEnded(signed.account.id, signed.session.id);
      }
      res.clearCookie(SESSION_COOKIE, { ...cookie(req), maxAge: undefined });
      res.status(204).end();
    }),
  );

  router.post(
    '/api/auth/password',
    route(async (req, res) => {
      const signed = await signedInOr401(req, res);
      if (!signed) return;
      const b = body(req);
      const result = await deps.auth.changePassword(
        signed,
        b.currentPassword,
        b.newPassword,
        req.ip ?? 'unknown',
      );
      if ('ok' in result) {
        sendHttpError(res, result);
        return;
      }
      for (const id of result.ended) deps.sessionsEnded(signed.account.id, id);
      res.status(204).end();
    }),
  );

  // Takes no user id: the account deleted is the session's own, whatever the body says.
  router.post(
    '/api/auth/delete',
    route(async (req, res) => {
      const signed = await signedInOr401(req, res);
      if (!signed) return;
      const result = await deps.auth.deleteAccount(
        signed.account,
        body(req).password,
        req.ip ?? 'unknown',
      );
      if ('ok' in result) {
        sendHttpError(res, result);
        return;
      }
      deps.sessionsEnded(signed.account.id, undefined);
      res.clearCookie(SESSION_COOKIE, { ...cookie(req), maxAge: undefined });
      res.status(204).end();
    }),
  );

  router.post(
    '/api/auth/logout-all',
    route(async (req, res) => {
      const signed = await signedInOr401(req, res);
      if (!signed) return;
      await deps.auth.logoutAll(signed.account.id);
      deps.sessionsEnded(signed.account.id, undefined);
      res.clearCookie(SESSION_COOKIE, { ...cookie(req), maxAge: undefined });
      res.status(204).end();
    }),
  );

  // body-parser's errors (malformed JSON, too large) answer in the API's shape.
  router.use(
    '/api/auth',
    (err: unknown, _req: Request, res: Response, next: (err?: unknown) => void) => {
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        sendHttpError(res, fail(ErrorCode.BAD_REQUEST, 'the body must be a small JSON object'));
        return;
      }
      next(err);
    },
  );
  return router;
}
