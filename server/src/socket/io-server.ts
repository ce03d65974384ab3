import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Config } from '../config.js';
import type { AdapterFactory } from '../backends/redis.js';
import { allowRequest, refuseUpgrades } from './handshake.js';
import type { ChatIO } from '../io.js';
import { chatParser } from './parser.js';

export const SOCKET_PATH = '/socket.io/';

/**
 * The Socket.IO server on `httpServer`: origin and shutdown checks on every handshake (both
 * transports), the adapter when nodes share one. Who may connect is decided by the
 * middleware of authenticate.ts.
 */
export function createSocketServer(
  httpServer: HttpServer,
  config: Config,
  options: {
    isClosing: () => boolean;
    adapter: AdapterFactory | undefined;
    allowedOrigins: () => readonly string[];
  },
): ChatIO {
  const policy = { allowedOrigins: options.allowedOrigins, isClosing: options.isClosing };
  refuseUpgrades(httpServer, SOCKET_PATH, policy);
  const io: ChatIO = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    // Socket.IO's parser with the document's rules for reserved names and ack ids (parser.ts).
    parser: chatParser,
    maxHttpBufferSize: config.maxPayloadBytes,
    // One encode and one frame per broadcast: compression would cost a deflate per recipient.
    perMessageDeflate: false,
    allowRequest: allowRequest(policy),
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(config.allowedOrigins
      ? { cors: { origin: config.allowedOrigins, credentials: true } }
      : {}),
  });
  return io;
}
