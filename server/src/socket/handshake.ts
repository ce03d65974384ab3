import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExtendedError } from 'socket.io';
import type { ConnectErrorData, ErrorCode } from '../../../common/contract.js';
import { checkName } from '../validation.js';
import type { ChatIO } from './types.js';

export interface Refusal {
  status: 403 | 503;
  message: string;
}

export interface HandshakePolicy {
  allowedOrigins: string[] | undefined;
  isClosing: () => boolean;
}

function originAllowed(req: IncomingMessage, allowed: string[] | undefined): boolean {
  if (!allowed) return true;
  const origin = req.headers.origin;
  // Browsers always send Origin on WebSocket and cross-origin requests, which is what this
  // check defends against; same-origin polling GETs and non-browser programs send none.
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** Why a new Engine.IO session must be refused, or undefined to accept it. */
export function refuseHandshake(
  req: IncomingMessage,
  policy: HandshakePolicy,
): Refusal | undefined {
  if (!originAllowed(req, policy.allowedOrigins)) {
    return { status: 403, message: 'origin not allowed' };
  }
  if (policy.isClosing()) return { status: 503, message: 'server is shutting down' };
  return undefined;
}

/** For Engine.IO's `allowRequest`, which answers polling handshakes with HTTP 403. */
export function allowRequest(policy: HandshakePolicy) {
  return (
    req: IncomingMessage,
    callback: (err: string | null | undefined, ok: boolean) => void,
  ) => {
    const refusal = refuseHandshake(req, policy);
    callback(refusal?.message, refusal === undefined);
  };
}

/**
 * Engine.IO answers a refused WebSocket upgrade with 400 (or a bare close), which hides
 * the reason; this listener runs first and answers with the proper status instead.
 */
export function refuseUpgrades(httpServer: HttpServer, path: string, policy: HandshakePolicy) {
  httpServer.prependListener('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (!req.url?.startsWith(path)) return;
    const isNewSession = !new URL(req.url, 'http://x').searchParams.has('sid');
    const refusal = isNewSession
      ? refuseHandshake(req, policy)
      : originAllowed(req, policy.allowedOrigins)
        ? undefined
        : ({ status: 403, message: 'origin not allowed' } as const);
    if (!refusal) return;
    const reason = refusal.status === 403 ? 'Forbidden' : 'Service Unavailable';
    const body = JSON.stringify({ message: refusal.message });
    socket.end(
      `HTTP/1.1 ${refusal.status} ${reason}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.destroy();
  });
}

function connectError(code: ErrorCode, message: string): ExtendedError {
  const err: ExtendedError = new Error(message);
  const data: ConnectErrorData = { code };
  err.data = data;
  return err;
}

/** Socket.IO middleware: every connection must present a valid display name. */
export function authenticate(io: ChatIO): void {
  io.use((socket, next) => {
    const auth: unknown = socket.handshake.auth;
    const raw =
      typeof auth === 'object' && auth !== null ? (auth as { name?: unknown }).name : undefined;
    const name = checkName(raw);
    if (typeof name !== 'string') {
      next(connectError(name.error.code, name.error.message));
      return;
    }
    socket.data.member = { id: randomBytes(9).toString('base64url'), name };
    next();
  });
}
