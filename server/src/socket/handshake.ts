import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';

export interface Refusal {
  status: 403 | 503;
  message: string;
}

export interface HandshakePolicy {
  /** The origins whose pages may connect: the public origin and `ALLOWED_ORIGINS`. */
  allowedOrigins: () => readonly string[];
  isClosing: () => boolean;
}

/**
 * A session cookie authenticates sockets, so a page of another site must not open one with
 * the visitor's cookie (cross-site WebSocket hijacking). Browsers always send Origin on
 * WebSocket and cross-origin requests, and it is compared with the configured origins only,
 * never with the request's own Host header, which a DNS-rebinding page controls. Same-origin
 * polling GETs and programs send no Origin; they still need a session.
 */
function originAllowed(req: IncomingMessage, allowed: () => readonly string[]): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowed().includes(origin);
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
