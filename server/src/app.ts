import {
  createServer as createHttpServer,
  ServerResponse,
  type Server as HttpServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Registry } from 'prom-client';
import { Server } from 'socket.io';
import type { AdapterFactory } from './adapter.js';
import { localPresence, type PresenceRegistry } from './cluster-presence.js';
import { createClientAssets, securityHeaders, type ClientAssets } from './client-assets.js';
import type { Config } from './config.js';
import { createMemoryHistoryStore } from './history/memory-store.js';
import type { HistoryStore } from './history/store.js';
import { createOpsRoutes } from './http-routes.js';
import { createPushApi } from './push-api.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { onConnection } from './socket/connection.js';
import { allowRequest, authenticate, refuseUpgrades } from './socket/handshake.js';
import { createDirectory } from './socket/presence.js';
import type { ChatIO, SocketDeps } from './socket/types.js';

const SOCKET_PATH = '/socket.io/';
/** How long one computed room directory serves every `rooms:list`, in ms. */
const DIRECTORY_TTL_MS = 2000;
/** After sockets close, in-flight HTTP requests get this long before their connections are cut. */
const HTTP_CLOSE_GRACE_MS = 1000;

export interface ServerDeps {
  history?: HistoryStore;
  logger?: Logger;
  /** Registry to expose on /metrics; the entry file adds the process metrics to it. */
  registry?: Registry;
  /** Clock for rate limits, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Socket.IO adapter shared by the nodes of a cluster; in-memory (one node) by default. */
  adapter?: AdapterFactory;
  /** Dependencies /readyz must see healthy, by name (e.g. `redis`). */
  checks?: Record<string, () => boolean>;
  /** False until the dependencies have been reached once; /readyz answers 503 until then. */
  started?: () => boolean;
  /** Presence shared with the other nodes of a cluster; nothing to share on one node. */
  presence?: (io: ChatIO, logger: Logger) => PresenceRegistry;
}

export type ServerState = 'created' | 'listening' | 'draining' | 'closed';

export interface ChatServer {
  app: Express;
  httpServer: HttpServer;
  io: ChatIO;
  readonly state: ServerState;
  /** Starts listening on `config.port` (0 picks a free port); resolves with the bound URL. */
  listen(): Promise<{ port: number; url: string }>;
  /**
   * Graceful shutdown: /readyz turns 503 and new handshakes are refused, then after
   * `shutdownDrainMs` every socket is closed (clients reconnect elsewhere) and the HTTP
   * server and the store close. Idempotent.
   */
  close(): Promise<void>;
}

export function createServer(config: Config, deps: ServerDeps = {}): ChatServer {
  const logger = deps.logger ?? createLogger(config);
  const history =
    deps.history ??
    createMemoryHistoryStore({ limit: config.historyLimit, dedupTtlMs: config.dedupTtlMs });
  let state: ServerState = 'created';
  let quiescing = false;
  const isClosing = () => state === 'draining' || state === 'closed';

  const app = express();
  app.disable('x-powered-by');
  const httpServer = createHttpServer(app);
  const policy = { allowedOrigins: config.allowedOrigins, isClosing };
  refuseUpgrades(httpServer, SOCKET_PATH, policy);

  const io: ChatIO = new Server(httpServer, {
    path: SOCKET_PATH,
    serveClient: false,
    maxHttpBufferSize: config.maxPayloadBytes,
    // One encode and one frame per broadcast: compression would cost a deflate per recipient.
    perMessageDeflate: false,
    allowRequest: allowRequest(policy),
    ...(deps.adapter ? { adapter: deps.adapter } : {}),
    ...(config.allowedOrigins
      ? { cors: { origin: config.allowedOrigins, credentials: true } }
      : {}),
  });

  // Engine.IO keeps the handshake request for the life of each connection, a few KB each:
  // on its socket, and for WebSocket upgrades on the stand-in response object too, which a
  // `close` listener keeps alive. Nothing reads either later: origin is checked in
  // allowRequest, the name comes from `auth` (socket.handshake.headers is left empty on
  // purpose), and past the middlewares Engine.IO itself only uses its own reference.
  io.engine.use((_req: unknown, res: object, next: () => void) => {
    next();
    if (!(res instanceof ServerResponse)) (res as { req?: unknown }).req = undefined;
  });
  io.engine.on('connection', (rawSocket: { request: unknown }) => {
    rawSocket.request = null;
  });

  const metrics = createMetrics({
    ...(deps.registry ? { registry: deps.registry } : {}),
    connectionsByTransport: () => {
      const counts = new Map<string, number>([
        ['polling', 0],
        ['websocket', 0],
      ]);
      for (const socket of io.of('/').sockets.values()) {
        const transport = socket.conn.transport.name;
        counts.set(transport, (counts.get(transport) ?? 0) + 1);
      }
      return counts;
    },
  });

  const now = deps.now ?? Date.now;
  io.engine.on('connection_error', (err: { code: number; message: string }) => {
    metrics.engineErrors.inc({ reason: err.message });
    logger.debug({ code: err.code, reason: err.message }, 'engine.io request refused');
  });

  const socketDeps: SocketDeps = {
    io,
    config,
    history,
    logger,
    metrics,
    directory: createDirectory({ io, history }, DIRECTORY_TTL_MS, now),
    presence: deps.presence?.(io, logger) ?? localPresence,
    background: new Set(),
    quiescing: () => quiescing,
    now,
  };
  authenticate(io);
  io.on('connection', onConnection(socketDeps));

  app.use(securityHeaders(config.client));
  app.use(
    createOpsRoutes({
      registry: metrics.registry,
      isServing: () => state === 'listening',
      checks: deps.checks ?? {},
      started: deps.started ?? (() => true),
    }),
  );
  app.use(createPushApi({ ...socketDeps, logger }));
  // Filled in by listen(): the page is served from the same origin as /socket.io/.
  const clientRouter = express.Router();
  app.use(clientRouter);
  let clientAssets: ClientAssets | undefined;
  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    logger.error({ err, method: req.method, url: req.url }, 'request failed');
    if (!res.headersSent) res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);

  let closing: Promise<void> | undefined;

  const shutdown = async (): Promise<void> => {
    const wasListening = state === 'listening';
    state = 'draining';
    if (wasListening && config.shutdownDrainMs > 0) {
      logger.info({ drainMs: config.shutdownDrainMs }, 'draining');
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
    }
    // Announcements still on their way need the adapter, which io.close() shuts; none may
    // start from here on, so one wait covers them all.
    quiescing = true;
    await Promise.allSettled([...socketDeps.background]);
    // The other nodes announce this node's members as left once it stops beating.
    await socketDeps.presence.close();
    const httpClosed = new Promise<void>((resolve) => {
      // Closes every socket without a disconnect packet, so clients reconnect by themselves.
      // The callback also runs (with an error) when the server never listened.
      void io.close(() => {
        resolve();
      });
    });
    httpServer.closeIdleConnections();
    const cut = setTimeout(() => {
      httpServer.closeAllConnections();
    }, HTTP_CLOSE_GRACE_MS);
    await httpClosed;
    clearTimeout(cut);
    await clientAssets?.close();
    await history.close();
    metrics.stop();
    state = 'closed';
    logger.info('closed');
  };

  return {
    app,
    httpServer,
    io,
    get state() {
      return state;
    },
    async listen() {
      clientAssets = await createClientAssets(config, httpServer, logger);
      if (clientAssets) clientRouter.use(clientAssets.handler);
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          state = 'listening';
          const { port } = httpServer.address() as AddressInfo;
          const host = config.host ?? 'localhost';
          const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
          logger.info({ port, url }, 'listening');
          resolve({ port, url });
        });
      });
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
