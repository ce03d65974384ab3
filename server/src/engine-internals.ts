import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Logger } from './logger.js';
import type { ChatIO, ChatSocket } from './io.js';

// Every reliance of this server on the private parts of Socket.IO, Engine.IO and ws lives in
// this module. Each is checked at run time against the shape it expects and falls back to
// the public path when the shape differs; test/engine-internals.test.ts fails, naming this
// file, when an upgrade changes one of them.
//
// Checked against socket.io 4.8.4, engine.io 6.6.12 and ws 8.23.0.

/** The versions the shapes below were read from; the guard test prints them on a mismatch. */
export const CHECKED_AGAINST = 'socket.io 4.8.4, engine.io 6.6.12, ws 8.23.0';

// --- 1. Broadcast fast path --------------------------------------------------------------

interface FrameSender {
  sendFrame(list: Buffer[], cb?: () => void): void;
}
interface EngineConnection {
  readyState: string;
  upgrading: boolean;
  writeBuffer: unknown[];
  transport: { name: string; socket?: { readyState: number; _sender?: Partial<FrameSender> } };
}
interface WriteOptions {
  wsPreEncodedFrame?: Buffer[];
}
/** socket.io's `Client` (lib/client.ts): one per Engine.IO connection. */
interface EngineClient {
  conn?: EngineConnection;
  writeToEngine?: (packets: unknown, options: WriteOptions) => void;
}

const WS_OPEN = 1;

/** Why the fast path cannot be installed on this socket, or undefined when it can. */
export function directFramesProblem(socket: ChatSocket): string | undefined {
  const client = socket.client as unknown as EngineClient;
  if (typeof client.writeToEngine !== 'function') return 'socket.io Client#writeToEngine is gone';
  const conn = client.conn;
  if (!conn) return 'socket.io Client#conn is gone';
  if (!Array.isArray(conn.writeBuffer)) return 'engine.io Socket#writeBuffer is not an array';
  if (typeof conn.upgrading !== 'boolean') return 'engine.io Socket#upgrading is not a boolean';
  if (typeof conn.readyState !== 'string') return 'engine.io Socket#readyState is not a string';
  const transport = conn.transport;
  if (transport.name === 'websocket') {
    if (typeof transport.socket?._sender?.sendFrame !== 'function') {
      return 'ws WebSocket#_sender.sendFrame is gone';
    }
    if (typeof transport.socket.readyState !== 'number') return 'ws readyState is not a number';
  }
  return undefined;
}

/**
 * Broadcast fast path. Socket.IO encodes a broadcast once and computes its WebSocket frame
 * once (`wsPreEncodedFrame`), but then hands that frame to each recipient through Engine.IO's
 * per-packet machinery: a packet object, a write buffer, five events and a write callback per
 * recipient, which costs more CPU than the write itself. When a connection is on WebSocket,
 * open, not upgrading and has nothing queued, writing the frame straight to its socket sends
 * the same bytes in the same order; every other case (polling, an upgrade in progress,
 * packets waiting, acks and other per-socket packets, which carry no frame) takes the
 * ordinary path. Returns the reason when the internals are not as expected, and then leaves
 * the socket untouched.
 */
export function installDirectFrames(socket: ChatSocket): string | undefined {
  const problem = directFramesProblem(socket);
  if (problem !== undefined) return problem;
  const client = socket.client as unknown as Required<EngineClient>;
  // The method stays on the prototype, so nothing is kept per connection but the property.
  if (client.writeToEngine !== writeDirect) {
    if (client.writeToEngine !== prototypeWrite(client))
      return 'Client#writeToEngine is not its own';
    client.writeToEngine = writeDirect;
  }
  return undefined;
}

const prototypeWrite = (client: EngineClient): EngineClient['writeToEngine'] =>
  (Object.getPrototypeOf(client) as EngineClient).writeToEngine;

/**
 * `Client#writeToEngine` with the fast path: a method shared by every client (`this` is the
 * client), where a closure per connection would cost memory on every idle connection.
 */
function writeDirect(this: Required<EngineClient>, packets: unknown, options: WriteOptions): void {
  const conn = this.conn;
  const frame = options.wsPreEncodedFrame;
  const transport = conn.transport;
  const sender = transport.socket?._sender;
  if (
    frame !== undefined &&
    transport.name === 'websocket' &&
    conn.readyState === 'open' &&
    !conn.upgrading &&
    conn.writeBuffer.length === 0 &&
    transport.socket?.readyState === WS_OPEN &&
    typeof sender?.sendFrame === 'function'
  ) {
    sender.sendFrame(frame);
    return;
  }
  prototypeWrite(this)?.call(this, packets, options);
}

/** True when this socket's broadcasts are written as direct frames right now. */
export function usesDirectFrames(socket: ChatSocket): boolean {
  const client = socket.client as unknown as EngineClient;
  return client.writeToEngine === writeDirect && socket.conn.transport.name === 'websocket';
}

// --- 2. Releasing the handshake request ----------------------------------------------------

/** Engine.IO's stand-in response for WebSocket upgrades (engine.io lib/server.ts). */
interface UpgradeResponse {
  req?: unknown;
}
/** engine.io's Socket keeps the request that opened it as `request`. */
interface EngineSocketWithRequest {
  request?: IncomingMessage | null;
}

/**
 * Engine.IO keeps the handshake request for the life of each connection, a few KB each: on
 * its socket, and for WebSocket upgrades on the stand-in response object too, which a `close`
 * listener on the TCP socket keeps alive. This releases both once nothing needs them:
 * the stand-in's `req` when Engine.IO writes the upgrade's response headers (every
 * `io.engine.use()` middleware has finished by then, so async middlewares that set headers
 * still work), and the socket's `request` once Socket.IO's own middlewares (`io.use`) have
 * accepted the connection. Handlers read the handshake through `socket.data`, never
 * `socket.request`; `socket.handshake.headers` is emptied too, because `fetchSockets()`
 * would otherwise ship every client's headers to every node that asks. Where the internals
 * are not as expected, nothing is released and one warning is logged.
 */
function releaseHandshakeRequests(io: ChatIO, logger: Logger): void {
  const upgrades = new WeakMap<IncomingMessage, UpgradeResponse>();
  io.engine.use((req: IncomingMessage, res: object, next: () => void) => {
    if (!(res instanceof ServerResponse) && 'req' in res) upgrades.set(req, res);
    next();
  });
  io.engine.on('headers', (_headers: unknown, req: IncomingMessage) => {
    const res = upgrades.get(req);
    if (res?.req === req) res.req = undefined;
    upgrades.delete(req);
  });
  let warned = false;
  io.on('connection', (socket) => {
    const problem = releaseRequestProblem(socket);
    if (problem !== undefined) {
      if (!warned) {
        logger.warn({ problem, checkedAgainst: CHECKED_AGAINST }, 'handshake requests are kept');
      }
      warned = true;
      return;
    }
    (socket.conn as unknown as EngineSocketWithRequest).request = null;
    socket.handshake.headers = {};
  });
}

/** Why the handshake request cannot be released from this socket, or undefined. */
export function releaseRequestProblem(socket: ChatSocket): string | undefined {
  const conn = socket.conn as unknown as EngineSocketWithRequest;
  if (!('request' in conn)) return 'engine.io Socket#request is gone';
  if (conn.request !== null && typeof conn.request?.headers !== 'object') {
    return 'engine.io Socket#request is not the handshake request';
  }
  return undefined;
}

// --- Wiring -------------------------------------------------------------------------------

export interface EngineInternals {
  /** Puts a new connection on the broadcast fast path where the internals allow it. */
  install(socket: ChatSocket): void;
  /** Connections whose broadcasts are written as direct frames now, for /metrics. */
  fastPathConnections(): number;
}

/** Sets up both reliances for one server; each falls back and warns once when unavailable. */
export function createEngineInternals(io: ChatIO, logger: Logger): EngineInternals {
  releaseHandshakeRequests(io, logger);
  let warned = false;
  return {
    install(socket) {
      const problem = installDirectFrames(socket);
      if (problem === undefined || warned) return;
      warned = true;
      logger.warn(
        { problem, checkedAgainst: CHECKED_AGAINST },
        'broadcast fast path unavailable; broadcasts take the ordinary path',
      );
    },
    fastPathConnections() {
      let count = 0;
      for (const socket of io.of('/').sockets.values()) if (usesDirectFrames(socket)) count++;
      return count;
    },
  };
}
