import type { ExtendedError } from 'socket.io';
import { ErrorCode, type AckFailure, type ConnectErrorData } from '../../../common/contract.js';
import { memberOf, type Auth } from '../accounts/auth.js';
import { readCookie, SESSION_COOKIE } from '../accounts/session-cookie.js';
import type { TokenVerifier } from '../accounts/tokens.js';
import { fail, toFailure } from '../errors.js';
import type { Logger } from '../logger.js';
import type { UserLimits } from '../limits/user-limits.js';
import type { ConnectionCaps } from '../limits/connection-caps.js';
import { guestNameOnline } from '../rooms/membership.js';
import type { ChatIO, ChatSocket, SocketData } from '../io.js';

export interface AuthenticateDeps {
  auth: Auth;
  /** Verifies host applications' JWTs; undefined when none are accepted. */
  tokens: TokenVerifier | undefined;
  caps: ConnectionCaps;
  userLimits: UserLimits;
  clientAddress: (socket: ChatSocket) => string;
  logger: Logger;
  /** Usernames of the operators (`ADMIN_USERS`), lower-case. */
  adminUsers: readonly string[];
}

function connectError(failure: AckFailure): ExtendedError {
  const err: ExtendedError = new Error(failure.error.message);
  const data: ConnectErrorData = { code: failure.error.code };
  err.data = data;
  return err;
}

const field = (auth: unknown, name: string): unknown =>
  typeof auth === 'object' && auth !== null ? (auth as Record<string, unknown>)[name] : undefined;

/** Who a handshake's credentials name: a session (cookie or `auth.session`) or a JWT. */
async function identify(
  io: ChatIO,
  socket: ChatSocket,
  deps: AuthenticateDeps,
): Promise<SocketData | AckFailure> {
  const { auth } = socket.handshake;
  const token = field(auth, 'token');
  if (token !== undefined) {
    if (!deps.tokens) return fail(ErrorCode.UNAUTHORIZED, 'this server accepts no auth.token');
    const identity = await deps.tokens(token);
    if ('ok' in identity) return identity;
    return { member: identity.member, expiresAt: identity.expiresAt };
  }
  const given = field(auth, 'session');
  const sessionToken =
    typeof given === 'string' ? given : readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
  if (sessionToken === undefined) return fail(ErrorCode.UNAUTHORIZED, 'sign in first');
  const signed = await deps.auth.sessionUser(sessionToken);
  if (!signed) return fail(ErrorCode.UNAUTHORIZED, 'the session has ended; sign in again');
  const { account, session } = signed;
  if (account.guest && (await guestNameOnline(io, account.name, account.id))) {
    return fail(ErrorCode.NAME_TAKEN, 'another guest online uses this name');
  }
  const admin =
    account.username !== undefined && deps.adminUsers.includes(account.username.toLowerCase());
  return { member: memberOf(account), session: session.id, ...(admin ? { admin: true } : {}) };
}

/**
 * Socket.IO middleware: every connection belongs to a signed-in user. Refusals reach the
 * client as `connect_error` with `data.code` (UNAUTHORIZED, NAME_TAKEN, TOO_MANY_CONNECTIONS,
 * RATE_LIMITED after a flood disconnect, UNAVAILABLE).
 */
export function authenticate(io: ChatIO, deps: AuthenticateDeps): void {
  io.use((socket, next) => {
    const address = deps.clientAddress(socket);
    identify(io, socket, deps)
      .then(async (identity) => {
        if ('ok' in identity) {
          next(connectError(identity));
          return;
        }
        const wait = await deps.userLimits.penaltyLeft(identity.member.id, address);
        if (wait > 0) {
          deps.logger.debug({ user: identity.member.id, wait }, 'refused after a flood');
          next(
            connectError(
              fail(
                ErrorCode.RATE_LIMITED,
                `disconnected for flooding; try again in ${Math.ceil(wait / 1000)} s`,
              ),
            ),
          );
          return;
        }
        const refusal = deps.caps.refusal(identity.member.id, address);
        if (refusal) {
          next(connectError(refusal));
          return;
        }
        socket.data = identity;
        // The credentials are spent: keep the token out of memory for the life of the
        // connection, and out of what fetchSockets() sends to other nodes.
        socket.handshake.auth = {};
        deps.caps.admit(socket, address);
        next();
      })
      .catch((err: unknown) => {
        next(connectError(toFailure(err, deps.logger, { during: 'handshake' })));
      });
  });
}
