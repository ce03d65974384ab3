import type { ChatSocket } from './types.js';

// The parts of Engine.IO and ws this module relies on. They are internal, so each is checked
// at run time and the fast path stays off when one is missing.
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
interface EngineClient {
  conn?: EngineConnection;
  writeToEngine?: (packets: unknown, options: WriteOptions) => void;
}

const OPEN = 1;

/**
 * Broadcast fast path. Socket.IO encodes a broadcast once and computes its WebSocket frame
 * once (`wsPreEncodedFrame`), but then hands that frame to each recipient through Engine.IO's
 * per-packet machinery: a packet object, a write buffer, five events and a write callback per
 * recipient, which costs more CPU than the write itself. When a connection is on WebSocket,
 * open, not upgrading and has nothing queued, writing the frame straight to its socket sends
 * the same bytes in the same order; every other case (polling, an upgrade in progress,
 * packets waiting, acks and other per-socket packets, which carry no frame) takes the
 * ordinary path. Returns false when the internals are not as expected, leaving it untouched.
 */
export function installDirectFrames(socket: ChatSocket): boolean {
  const client = socket.client as unknown as EngineClient;
  const conn = client.conn;
  const ordinary = client.writeToEngine;
  if (!conn || typeof ordinary !== 'function' || !Array.isArray(conn.writeBuffer)) return false;
  client.writeToEngine = (packets, options) => {
    const frame = options.wsPreEncodedFrame;
    const transport = conn.transport;
    const sender = transport.socket?._sender;
    if (
      frame !== undefined &&
      transport.name === 'websocket' &&
      conn.readyState === 'open' &&
      !conn.upgrading &&
      conn.writeBuffer.length === 0 &&
      transport.socket?.readyState === OPEN &&
      typeof sender?.sendFrame === 'function'
    ) {
      sender.sendFrame(frame);
      return;
    }
    ordinary.call(client, packets, options);
  };
  return true;
}
