import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { createAuth } from './accounts/auth.js';
import { createMemoryAccounts } from './accounts/memory-store.js';
import type { AccountStore, SessionStore } from './accounts/store.js';
import { localPresence } from './cluster-presence.js';
import { createMemoryConversations, type ConversationStore } from './conversations/store.js';
import { createMemoryModeration, type ModerationStore } from './moderation/store.js';
import { createClientAssets, type ClientAssets } from './client-assets.js';
import type { Config } from './config.js';
import { createMemoryHistoryStore } from './history/memory-store.js';
import { withCurrentQuotes } from './history/quotes.js';
import type { HistoryStore } from './history/store.js';
import { createHttpApp } from './http-app.js';
import { createMetricsApp } from './http-routes.js';
import { createLogger, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import type { RedisServices } from './redis.js';
import { createDirectory } from './room-directory.js';
import { shutdown } from './shutdown.js';
import { onConnection } from './socket/connection.js';
import { createEngineInternals } from './socket/engine-internals.js';
import { createSocketServer } from './socket/io-server.js';
import { authenticate } from './socket/authenticate.js';
import { removeLocally } from './socket/moderation.js';
import { instrumentAdmin } from './admin-ui.js';
import { createOperators } from './socket/operators.js';
import { clientAddressOf, createConnectionCaps } from './socket/connection-caps.js';
import { announceRename, renameLocally } from './socket/renames.js';
import { guestNameOnline } from './socket/rooms-of-users.js';
import { createSessionGuard } from './socket/session-guard.js';
import { createRoomCapacity } from './socket/room-capacity.js';
import { Timers, type Scheduler } from '../../common/timers.js';
import { createTokenVerifier } from './accounts/tokens.js';
import { memoryUserLimits } from './user-limits.js';
import type { ChatIO, SocketDeps } from './socket/types.js';

/** How long one computed room directory serves every `rooms:list`, in ms. */
const DIRECTORY_TTL_MS = 2000;

export interface ServerDeps {
  logger?: Logger;
  /** Registry to expose on /metrics; the entry file adds the process metrics to it. */
  registry?: Registry;
  /** Clock for rate limits and caches, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /**
   * Redis shared with the other nodes (adapter, history, presence, health). Without it the
   * server is one node on its own, with history in memory.
   */
  redis?: RedisServices;
  /** A history store of the caller's choosing; default: Redis's, else in memory. */
  history?: HistoryStore;
  /** Accounts and sessions; default: Redis's, else in memory. */
  accounts?: { accounts: AccountStore; sessions: SessionStore };
  /** Direct conversations and read markers; default: Redis's, else in memory. */
  conversations?: ConversationStore;
  /** Room settings, roles and sanctions; default: Redis's, else in memory. */
  moderation?: ModerationStore;
  /** Timers for grace periods and session checks; tests pass a scheduler they drive. */
  scheduler?: Scheduler;
  /** How soon a token signed with an unknown key may refetch the JWKS, in ms. Default 30000. */
  jwksCooldownMs?: number;
}

export type ServerState = 'created' | 'listening' | 'draining' | 'closed';

export interface ChatServer {
  app: Express;
  /** The history store this server writes to. */
  history: HistoryStore;
  httpServer: HttpServer;
  io: ChatIO;
  readonly state: ServerState;
  /**
   * Starts listening on `config.port` (0 picks a free port), and the operators' listener on
   * `config.metricsPort`; resolves with both URLs (no `metricsUrl` if its port was taken).
   */
  listen(): Promise<{ port: number; url: string; metricsUrl: string | undefined }>;
  /**
   * Graceful shutdown: /readyz turns 503 and new handshakes are refused, then after
   * `shutdownDrainMs` every socket is closed (clients reconnect elsewhere) and the HTTP
   * server and the store close. Idempotent.
   */
  close(): Promise<void>;
  /**
   * Checks every connection's session or token now, closing those that ended or expired
   * (the server also does this every `SESSION_CHECK_MS`).
   */
  checkSessions(): Promise<void>;
}

export function createServer(config: Config, deps: ServerDeps = {}): ChatServer {
  const logger = deps.logger ?? createLogger(config);
  const { redis } = deps;
  const history = withCurrentQuotes(
    deps.history ??
      redis?.history ??
      createMemoryHistoryStore({ limit: config.historyLimit, dedupTtlMs: config.dedupTtlMs }),
  );
  const now = deps.now ?? Date.now;
  const stores = deps.accounts ?? redis?.accounts ?? createMemoryAccounts(now);
  const limitOptions = {
    ratePerSec: config.messageRatePerSec,
    burst: config.messageBurst,
    penaltyMs: config.floodPenaltyMs,
    now,
    hourly: {
      roomsPerUser: config.roomsPerHour,
      roomsPerAddress: config.roomsPerHourPerAddress,
      guestsPerAddress: config.guestsPerHourPerAddress,
      signupsPerAddress: config.signupsPerHourPerAddress,
    },
  };
  const userLimits = redis ? redis.userLimits(limitOptions) : memoryUserLimits(limitOptions);
  const auth = createAuth({
    config,
    now,
    userLimits,
    ...stores,
    ...(redis ? { throttle: redis.throttle } : {}),
    guestOnline: (name, except) => guestNameOnline(io, name, except),
  });
  const timers = new Timers(deps.scheduler ?? unrefScheduler);
  let state: ServerState = 'created';
  let boundPort: number | undefined;
  let quiescing = false;

  // Engine.IO wraps the server's request listeners when Socket.IO attaches, so the listener
  // must exist now; it forwards to the Express app, which needs Socket.IO and comes below.
  const httpServer = createHttpServer((req, res) => {
    http.app(req, res);
  });
  const origins = () => allowedOrigins(config, boundPort);
  const io = createSocketServer(httpServer, config, {
    isClosing: () => state === 'draining' || state === 'closed',
    adapter: redis?.adapter,
    allowedOrigins: origins,
  });
  const caps = createConnectionCaps(config);

  const clientAddress = clientAddressOf(config);
  authenticate(io, {
    auth,
    tokens: createTokenVerifier(config, {
      now,
      ...(deps.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: deps.jwksCooldownMs }),
    }),
    caps,
    userLimits,
    clientAddress: (socket) => clientAddress(socket.request),
    logger,
    adminUsers: config.adminUsers ?? [],
  });
  const background = new Set<Promise<unknown>>();
  const sessionGuard = createSessionGuard({
    io,
    sessions: stores.sessions,
    config,
    now,
    logger,
    timers,
    background,
  });
  if (redis) {
    io.on('renamed', (member) => {
      renameLocally(io, member);
    });
    /** Tells this node's clients to catch up by position on what they may have missed. */
    const resync = (why: string): void => {
      logger.info({ clients: io.of('/').sockets.size }, `${why}: clients resync`);
      io.local.emit('resync', {});
    };
    // Redis pub/sub keeps nothing: broadcasts other nodes sent while this node's link was
    // down never reach its clients. Once the link is back, they catch up by position.
    let wasDown = false;
    redis.onHealthChange((healthy) => {
      if (!healthy) wasDown = true;
      else if (wasDown) {
        wasDown = false;
        resync('redis back');
      }
    });
    // Likewise when a Redis Cluster failover moved the adapter's subscriptions: a room's
    // last broadcast before it may be lost with no later message to reveal the gap.
    redis.onResubscribed(() => {
      resync('subscriptions moved');
    });
  }
  const internals = createEngineInternals(io, logger);
  const metrics = createMetrics({ registry: deps.registry, io, internals });
  const moderation = deps.moderation ?? redis?.moderation ?? createMemoryModeration();
  const base: Omit<SocketDeps, 'roomCapacity'> = {
    io,
    config,
    history,
    conversations: deps.conversations ?? redis?.conversations ?? createMemoryConversations(),
    moderation,
    clustered: redis !== undefined,
    sessionStore: stores.sessions,
    accounts: stores.accounts,
    operators: createOperators(config.adminUsers ?? [], stores.accounts),
    logger,
    metrics,
    directory: createDirectory({ io, history, moderation }, DIRECTORY_TTL_MS, now),
    presence: redis ? redis.presence(io, logger) : localPresence,
    background,
    quiescing: () => quiescing,
    internals,
    now,
    timers,
    sessions: sessionGuard,
    caps,
    departing: new Map(),
    userLimits,
  };
  const socketDeps: SocketDeps = { ...base, roomCapacity: createRoomCapacity(base) };
  io.on('connection', onConnection(socketDeps));
  if (config.adminUi) instrumentAdmin(io, { config, auth, logger });
  if (redis) {
    io.on('removed', ({ room, userId }) => {
      removeLocally(socketDeps, room, userId);
    });
  }
  const http = createHttpApp({
    ...socketDeps,
    isServing: () => state === 'listening',
    checks: redis ? { redis: redis.healthy } : {},
    started: redis?.started ?? (() => true),
    auth,
    allowedOrigins: origins,
    sessionsEnded: (userId, sessionId) => {
      sessionGuard.end(userId, sessionId, 'logout');
    },
    renamed: (member, previousName) =>
      announceRename(io, member, previousName, redis !== undefined),
  });

  const metricsServer = createHttpServer(createMetricsApp(metrics.registry));
  let clientAssets: ClientAssets | undefined;
  const close = async (): Promise<void> => {
    const wasListening = state === 'listening';
    state = 'draining';
    await shutdown({
      io,
      httpServer,
      logger,
      drainMs: wasListening ? config.shutdownDrainMs : 0,
      quiesce: () => {
        quiescing = true;
        timers.clear();
      },
      background: socketDeps.background,
      closePresence: () => socketDeps.presence.close(),
      release: async () => {
        if (metricsServer.listening) {
          metricsServer.closeAllConnections();
          await new Promise((resolve) => metricsServer.close(resolve));
        }
        await clientAssets?.close();
        await history.close();
        metrics.stop();
      },
    });
    state = 'closed';
  };
  let closing: Promise<void> | undefined;

  return {
    app: http.app,
    history,
    httpServer,
    io,
    get state() {
      return state;
    },
    async listen() {
      clientAssets = await createClientAssets(config, httpServer, logger);
      if (clientAssets) http.serveClient(clientAssets.handler);
      const bound = await listen(httpServer, config, logger);
      boundPort = bound.port;
      const metricsUrl = await listenForOperators(metricsServer, config, logger);
      state = 'listening';
      return { ...bound, metricsUrl };
    },
    close() {
      closing ??= close();
      return closing;
    },
    checkSessions: () => sessionGuard.check(),
  };
}

function listen(
  httpServer: HttpServer,
  config: Config,
  logger: Logger,
): Promise<{ port: number; url: string }> {
  return new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => {
      httpServer.off('error', reject);
      const { port } = httpServer.address() as AddressInfo;
      const url = urlOf(config.host, port);
      logger.info({ port, url }, 'listening');
      resolve({ port, url });
    });
  });
}

const urlOf = (host: string | undefined, port: number) => {
  const name = host ?? 'localhost';
  return `http://${name.includes(':') ? `[${name}]` : name}:${port}`;
};

/**
 * The operators' listener. A port already taken is logged as an error and the chat runs
 * on without metrics: people chatting matter more than a scrape.
 */
function listenForOperators(
  server: HttpServer,
  config: Config,
  logger: Logger,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const failed = (err: Error) => {
      logger.error({ err: err.message, port: config.metricsPort }, 'metrics listener failed');
      resolve(undefined);
    };
    server.once('error', failed);
    server.listen(config.metricsPort, config.metricsHost, () => {
      server.off('error', failed);
      const { port } = server.address() as AddressInfo;
      const url = urlOf(config.metricsHost, port);
      logger.info({ port, url }, 'metrics listening');
      resolve(url);
    });
  });
}

/** Real timers that never keep the process alive on their own. */
const unrefScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** The origins whose pages may use the chat: the public one, or this server's own. */
function allowedOrigins(config: Config, port: number | undefined): string[] {
  const own =
    config.publicOrigin === undefined
      ? [`http://localhost:${port ?? config.port}`, `http://127.0.0.1:${port ?? config.port}`]
      : [config.publicOrigin];
  return [...own, ...(config.allowedOrigins ?? [])];
}
