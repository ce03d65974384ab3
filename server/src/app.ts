import { scheduleRetention, sweepRetention } from './messages/retention.js';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { Timers, type Scheduler } from '../../common/timers.js';
import { createAuth } from './accounts/auth.js';
import { announceRename, listenForRenames } from './accounts/renames.js';
import { createTokenVerifier } from './accounts/tokens.js';
import { createMemoryStores } from './backends/memory.js';
import type { DatabaseHealth } from './backends/postgres.js';
import type { RedisServices } from './backends/redis.js';
import type { Stores } from './backends/stores.js';
import type { Config } from './config.js';
import type { ChatDeps } from './deps.js';
import { instrumentAdmin } from './http/admin-ui.js';
import { createClientAssets, type ClientAssets } from './http/client-assets.js';
import { createHttpApp, type HttpApp } from './http/http-app.js';
import { createMetricsApp } from './http/ops-routes.js';
import type { ChatIO } from './io.js';
import { clientAddressOf, createConnectionCaps } from './limits/connection-caps.js';
import { memoryUserLimits, type UserLimits } from './limits/user-limits.js';
import { createLogger, type Logger } from './logger.js';
import { withCurrentQuotes } from './messages/quotes.js';
import { withDeletedAuthors } from './accounts/deleted-authors.js';
import type { HistoryStore } from './messages/store.js';
import { createMetrics } from './metrics.js';
import { createOperators } from './moderation/operators.js';
import { listenForRemovals } from './moderation/sanctions.js';
import { createRoomCapacity } from './rooms/capacity.js';
import { localPresence } from './rooms/cluster-presence.js';
import { createDirectory } from './rooms/directory.js';
import { guestNameOnline } from './rooms/membership.js';
import { shutdown } from './shutdown.js';
import { authenticate } from './socket/authenticate.js';
import { onConnection } from './socket/connection.js';
import { createEngineInternals } from './engine-internals.js';
import { createSocketServer } from './socket/io-server.js';
import { resyncAfterLostBroadcasts } from './socket/resync.js';
import { createSessionGuard } from './accounts/session-guard.js';

/** How long one computed room directory serves every `rooms:list`, in ms. */
const DIRECTORY_TTL_MS = 2000;

/**
 * What a caller may give a server. The stores (`history`, `accounts`, `conversations`,
 * `moderation`) default to Redis's, else to memory (backends/memory.ts).
 */
export interface ServerDeps extends Partial<Stores> {
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
  /** The database of record's health, for /readyz (PostgreSQL; SQLite has no outage). */
  database?: DatabaseHealth;
  /** The database of record's size on disk, in bytes, for /metrics. */
  databaseBytes?: () => Promise<number>;
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
  /**
   * Deletes now what the retentions say is too old (the server also does this every
   * `RETENTION_SWEEP_MS`); resolves to the number of messages deleted.
   */
  sweepRetention(): Promise<number>;
}

export function createServer(config: Config, deps: ServerDeps = {}): ChatServer {
  const logger = deps.logger ?? createLogger(config);
  const now = deps.now ?? Date.now;
  const { redis } = deps;
  const stores = storesOf(config, deps, now);
  if (config.retentionDays !== undefined && !stores.history.purge)
    throw new Error(
      'RETENTION_DAYS needs a store that deletes: SQLite or PostgreSQL (DATABASE_URL)',
    );
  const userLimits = userLimitsOf(config, now, redis);
  const life: Life = { state: 'created', port: undefined, quiescing: false };
  // Engine.IO wraps the server's request listeners when Socket.IO attaches, so the listener
  // must exist now; it forwards to the Express app, which needs Socket.IO and comes below.
  const httpServer = createHttpServer((req, res) => {
    http.app(req, res);
  });
  const origins = () => allowedOrigins(config, life.port);
  const io = createSocketServer(httpServer, config, {
    isClosing: () => life.state === 'draining' || life.state === 'closed',
    adapter: redis?.adapter,
    allowedOrigins: origins,
  });
  const auth = createAuth({
    config,
    now,
    userLimits,
    ...stores.accounts,
    ...(redis ? { throttle: redis.throttle } : {}),
    guestOnline: (name, except) => guestNameOnline(io, name, except),
  });
  const chat = createChatDeps({ io, config, logger, now, stores, userLimits, life, ...deps });
  const clientAddress = clientAddressOf(config);
  authenticate(io, {
    auth,
    tokens: createTokenVerifier(config, {
      now,
      ...(deps.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: deps.jwksCooldownMs }),
    }),
    caps: chat.caps,
    userLimits,
    clientAddress: (socket) => clientAddress(socket.request),
    logger,
    adminUsers: config.adminUsers ?? [],
  });
  io.on('connection', onConnection(chat));
  if (redis) listenToCluster(chat, redis);
  scheduleRetention(chat);
  if (config.adminUi) instrumentAdmin(io, { config, auth, logger });
  const http = createHttpApp({
    ...chat,
    isServing: () => life.state === 'listening',
    checks: {
      ...(redis ? { redis: redis.healthy } : {}),
      ...(deps.database ? { [deps.database.name]: deps.database.healthy } : {}),
    },
    started: () => (redis?.started() ?? true) && (deps.database?.started() ?? true),
    auth,
    allowedOrigins: origins,
    sessionsEnded: (userId, sessionId) => {
      chat.sessions.end(userId, sessionId, 'logout');
    },
    renamed: (member, previousName) => announceRename(io, member, previousName, chat.clustered),
  });
  return lifecycle({ chat, http, httpServer, life });
}

/** Where this server is in its life; `port` once bound, `quiescing` once sockets close. */
interface Life {
  state: ServerState;
  port: number | undefined;
  quiescing: boolean;
}

/** The stores given (by a backend or a test), and in memory those that were not. */
function storesOf(config: Config, deps: ServerDeps, now: () => number): Stores {
  const given = {
    history: deps.history ?? deps.redis?.history,
    accounts: deps.accounts ?? deps.redis?.accounts,
    conversations: deps.conversations ?? deps.redis?.conversations,
    moderation: deps.moderation ?? deps.redis?.moderation,
    memberships: deps.memberships ?? deps.redis?.memberships,
  };
  const memory =
    given.history && given.accounts && given.conversations && given.moderation && given.memberships
      ? undefined
      : createMemoryStores(config, now);
  const accounts = given.accounts ?? (memory as Stores).accounts;
  const history = withCurrentQuotes(given.history ?? (memory as Stores).history);
  return {
    history: withDeletedAuthors(history, accounts.accounts),
    accounts,
    conversations: given.conversations ?? (memory as Stores).conversations,
    moderation: given.moderation ?? (memory as Stores).moderation,
    memberships: given.memberships ?? (memory as Stores).memberships,
  };
}

/** Message rates and hourly allowances, shared through Redis when there is one. */
function userLimitsOf(config: Config, now: () => number, redis: RedisServices | undefined) {
  const options = {
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
  return redis ? redis.userLimits(options) : memoryUserLimits(options);
}

interface ChatDepsParts extends ServerDeps {
  io: ChatIO;
  config: Config;
  logger: Logger;
  now: () => number;
  stores: Stores;
  userLimits: UserLimits;
  life: Life;
}

/** What every concern and edge shares (deps.ts), built once per server. */
function createChatDeps(parts: ChatDepsParts): ChatDeps {
  const { io, config, logger, now, stores, redis } = parts;
  const timers = new Timers(parts.scheduler ?? unrefScheduler);
  const background = new Set<Promise<unknown>>();
  const internals = createEngineInternals(io, logger);
  const { history, moderation } = stores;
  const caps = createConnectionCaps(config);
  const base: Omit<ChatDeps, 'roomCapacity'> = {
    io,
    config,
    history,
    conversations: stores.conversations,
    memberships: stores.memberships,
    moderation,
    clustered: redis !== undefined,
    sessionStore: stores.accounts.sessions,
    accounts: stores.accounts.accounts,
    operators: createOperators(config.adminUsers ?? [], stores.accounts.accounts),
    logger,
    metrics: createMetrics({
      registry: parts.registry,
      io,
      internals,
      databaseBytes: parts.databaseBytes,
    }),
    directory: createDirectory({ io, history, moderation }, DIRECTORY_TTL_MS, now),
    presence: redis ? redis.presence(io, logger) : localPresence,
    background,
    quiescing: () => parts.life.quiescing,
    internals,
    now,
    timers,
    sessions: createSessionGuard({
      io,
      sessions: stores.accounts.sessions,
      config,
      now,
      logger,
      timers,
      background,
    }),
    caps,
    departing: new Map(),
    userLimits: parts.userLimits,
  };
  return { ...base, roomCapacity: createRoomCapacity(base) };
}

/** What the other nodes tell this one, and what Redis's health means for its clients. */
function listenToCluster(chat: ChatDeps, redis: RedisServices): void {
  listenForRenames(chat.io);
  listenForRemovals(chat);
  resyncAfterLostBroadcasts(chat.io, redis, chat.logger);
}

/** `listen` and `close` of one server, and what it shows of itself. */
function lifecycle(parts: {
  chat: ChatDeps;
  http: HttpApp;
  httpServer: HttpServer;
  life: Life;
}): ChatServer {
  const { chat, http, httpServer, life } = parts;
  const { config, logger, io, history } = chat;
  const metricsServer = createHttpServer(createMetricsApp(chat.metrics.registry));
  let clientAssets: ClientAssets | undefined;
  const close = async (): Promise<void> => {
    const wasListening = life.state === 'listening';
    life.state = 'draining';
    await shutdown({
      io,
      httpServer,
      logger,
      drainMs: wasListening ? config.shutdownDrainMs : 0,
      quiesce: () => {
        life.quiescing = true;
        chat.timers.clear();
      },
      background: chat.background,
      closePresence: () => chat.presence.close(),
      release: async () => {
        if (metricsServer.listening) {
          metricsServer.closeAllConnections();
          await new Promise((resolve) => metricsServer.close(resolve));
        }
        await clientAssets?.close();
        await history.close();
        chat.metrics.stop();
      },
    });
    life.state = 'closed';
  };
  let closing: Promise<void> | undefined;
  return {
    app: http.app,
    history,
    httpServer,
    io,
    get state() {
      return life.state;
    },
    async listen() {
      clientAssets = await createClientAssets(config, httpServer, logger);
      if (clientAssets) http.serveClient(clientAssets.handler);
      const bound = await listen(httpServer, config, logger);
      life.port = bound.port;
      const metricsUrl = await listenForOperators(metricsServer, config, logger);
      life.state = 'listening';
      return { ...bound, metricsUrl };
    },
    close() {
      closing ??= close();
      return closing;
    },
    checkSessions: () => chat.sessions.check(),
    sweepRetention: () => sweepRetention(chat),
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
