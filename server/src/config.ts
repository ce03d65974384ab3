import { z } from 'zod';
import { Limits } from '../../common/contract.js';

/** Server configuration. Every field maps to one environment variable (see README). */
export interface Config {
  /** `PORT`: TCP port; 0 picks a free one. Default 3000. */
  port: number;
  /** `HOST`: address to bind. Default all interfaces. */
  host: string | undefined;
  /**
   * `HISTORY_LIMIT`: most messages a rejoin replays; past it the client gets the newest page
   * and pages back (`gap`, `too_many`). With `STORE=memory` or the Redis store, also how many
   * each room keeps (SQLite and PostgreSQL keep everything a retention does not delete).
   * In messages. Default 1000.
   */
  historyLimit: number;
  /**
   * `RETENTION_DAYS`: messages are deleted this many days after they were sent, in every
   * room (a room may keep them less long). Unset: kept for good. SQLite or PostgreSQL only.
   */
  retentionDays: number | undefined;
  /** `RETENTION_SWEEP_MS`: how often old messages are looked for and deleted, in ms. Default 3600000. */
  retentionSweepMs: number;
  /** `HISTORY_PAGE`: messages replayed on join, and default `history:fetch` page. Default 50. */
  historyPage: number;
  /** `MAX_TEXT_LENGTH`: message text, in characters after trimming. Default 2000. */
  maxTextLength: number;
  /** `MAX_PAYLOAD_BYTES`: largest Socket.IO frame, in bytes; larger closes the connection. Default 65536. */
  maxPayloadBytes: number;
  /** `RATE_LIMIT_PER_SEC`: messages a user may send per second, sustained, across all their connections. Default 5. */
  messageRatePerSec: number;
  /** `RATE_LIMIT_BURST`: messages a user may send at once before the rate applies. Default 10. */
  messageBurst: number;
  /** `EVENT_RATE_PER_SEC`: events of any kind per connection per second. Default 30. */
  eventRatePerSec: number;
  /** `EVENT_BURST`: events of any kind at once. Default 60. */
  eventBurst: number;
  /** `FLOOD_STRIKES`: rate-limited requests within `FLOOD_WINDOW_MS` that disconnect the client. Default 30. */
  floodStrikes: number;
  /** `FLOOD_WINDOW_MS`: the window for counting strikes, in milliseconds. Default 10000. */
  floodWindowMs: number;
  /** `FLOOD_PENALTY_MS`: after a flood disconnect, how long that user and address are refused, in ms. Default 30000. */
  floodPenaltyMs: number;
  /**
   * `MAX_ROOMS`: rooms whose history the server keeps. Opening one more evicts the room idle
   * longest that nobody is in; when every room has someone in it, new rooms are refused.
   * With HISTORY_LIMIT and MAX_TEXT_LENGTH this bounds what the store can hold. Default 10000.
   */
  maxRooms: number;
  /** `ROOMS_PER_HOUR`: new rooms one user may open per hour. Default 20. */
  roomsPerHour: number;
  /** `ROOMS_PER_HOUR_PER_ADDRESS`: new rooms one client address may open per hour. Default 100. */
  roomsPerHourPerAddress: number;
  /** `GUESTS_PER_HOUR_PER_ADDRESS`: guest sign-ins one client address may make per hour. Default 30. */
  guestsPerHourPerAddress: number;
  /** `SIGNUPS_PER_HOUR_PER_ADDRESS`: accounts one client address may make per hour. Default 10. */
  signupsPerHourPerAddress: number;
  /** `MAX_ROOMS_PER_CONNECTION`: rooms one connection may be in at once. Default 20. */
  maxRoomsPerConnection: number;
  /** `DEDUP_TTL_MS`: how long a clientId is remembered for retries, in milliseconds. Default 600000. */
  dedupTtlMs: number;
  /**
   * `ALLOWED_ORIGINS`: comma-separated origins, besides `PUBLIC_ORIGIN`, whose pages may use
   * the chat (connect, sign in). Unset: only the public origin.
   */
  allowedOrigins: string[] | undefined;
  /**
   * `ADMIN_USERS`: comma-separated usernames of the operators, who act as owners of every
   * room. Default none.
   */
  adminUsers: string[] | undefined;
  /**
   * `ADMIN_UI`: `true` serves Socket.IO's admin UI at `/admin/` and its namespace `/admin`, to
   * signed-in operators only. Default false.
   */
  adminUi: boolean;
  /** `SHUTDOWN_DRAIN_MS`: on SIGTERM, time `/readyz` reports 503 before sockets close, in ms. Default 0. */
  shutdownDrainMs: number;
  /** `SHUTDOWN_TIMEOUT_MS`: bound on a graceful shutdown before the process exits anyway, in ms. Default 10000. */
  shutdownTimeoutMs: number;
  /**
   * `CLIENT`: how the browser client is served on the same origin: `static` (the built
   * files in `CLIENT_DIR`, the default), `vite` (Vite's dev middleware with hot reload, for
   * `npm run dev`) or `off`.
   */
  client: 'static' | 'vite' | 'off';
  /** `CLIENT_DIR`: the built client, relative to the working directory. Default `dist/client`. */
  clientDir: string;
  /**
   * `STORE`: where a single node keeps its data: `sqlite` (the default: a file in `DATA_DIR`,
   * kept across restarts) or `memory` (nothing on disk, lost on restart). Ignored with
   * `REDIS_URL`, where everything shared lives in Redis.
   */
  store: 'sqlite' | 'memory';
  /** `DATA_DIR`: folder of the SQLite database (`chat.db`), relative to the working directory. Default `./data`. */
  dataDir: string;
  /**
   * `DATABASE_URL`: `postgres://user@host:port/db` of the PostgreSQL database that keeps the
   * record (history, accounts, conversations, moderation, memberships) for every node. Unset:
   * `STORE` decides, or Redis with `REDIS_URL` and no database.
   */
  databaseUrl: string | undefined;
  /**
   * `REDIS_URL`: when set, history lives in Redis Streams and broadcasts go through the
   * Redis adapter, so several nodes serve one chat. Unset: in-memory, single node.
   */
  redisUrl: string | undefined;
  /**
   * `REDIS_CLUSTER_NODES`: `host:port,...` of some nodes of a Redis Cluster (the client learns
   * the rest); everything `REDIS_URL` does then goes through the cluster. Not with `REDIS_URL`.
   */
  redisClusterNodes: string | undefined;
  /**
   * `REDIS_ADAPTER`: `classic` (works with @socket.io/redis-emitter) or `sharded` (Redis 7
   * sharded pub/sub). Default `classic` with `REDIS_URL`; always `sharded` with
   * `REDIS_CLUSTER_NODES`, where the classic adapter would reorder a room's messages.
   */
  redisAdapter: 'classic' | 'sharded';
  /**
   * `REDIS_ACK_REPLICAS`: replicas that must hold a message (Redis `WAIT`) before its sender's
   * ack, so that it survives a failover. Default 1 with `REDIS_CLUSTER_NODES`, else 0.
   */
  redisAckReplicas: number;
  /** `REDIS_ACK_TIMEOUT_MS`: how long a send waits for those replicas before it is refused as UNAVAILABLE, in ms. Default 500. */
  redisAckTimeoutMs: number;
  /** `REDIS_PREFIX`: prefix of every Redis key and channel of this deployment. Default `chat:`. */
  redisPrefix: string;
  /** `SESSION_TTL_MS`: a sign-in session ends after this long unused, in ms. Default 30 days. */
  sessionTtlMs: number;
  /** `SESSION_CHECK_MS`: how often each node checks that its connections' sessions are still valid, in ms. Default 60000. */
  sessionCheckMs: number;
  /** `PRESENCE_GRACE_MS`: how long a user's last connection may be gone before they are announced as left, in ms. Default 5000. */
  presenceGraceMs: number;
  /** `MAX_CONNECTIONS_PER_USER`: connections one user may have open on one node. Default 20. */
  maxConnectionsPerUser: number;
  /** `MAX_CONNECTIONS_PER_ADDRESS`: connections one client address may have open on one node. Default 1000. */
  maxConnectionsPerAddress: number;
  /** `AUTH_JWT_SECRET`: HS256 secret of the host application's tokens (`auth.token`); unset: no HS256 tokens. */
  jwtSecret: string | undefined;
  /** `AUTH_JWKS_URL`: where the host application publishes its token keys (JWKS); unset: none. */
  jwksUrl: string | undefined;
  /** `AUTH_JWT_ISSUER`: the `iss` every token must carry; unset: not checked. */
  jwtIssuer: string | undefined;
  /** `AUTH_JWT_AUDIENCE`: the `aud` every token must carry; unset: not checked. */
  jwtAudience: string | undefined;
  /** `GUESTS`: `true` lets people chat under a name without an account. Default false (`npm run dev`: true). */
  guests: boolean;
  /** `SCRYPT_COST`: log2 of scrypt's N for new password hashes (15: about 50 ms, 32 MiB). Default 15. */
  scryptCost: number;
  /**
   * `PUBLIC_ORIGIN`: the origin people open the chat at (`https://chat.example.com`). Pages
   * of other origins may not sign in or out. Unset: the server's own `http://localhost:PORT`
   * and `http://127.0.0.1:PORT`.
   */
  publicOrigin: string | undefined;
  /**
   * `TRUST_PROXY`: addresses of proxies whose `X-Forwarded-*` headers are believed (Express's
   * `trust proxy`, e.g. `loopback` or `10.0.0.0/8`). Decides whether the session cookie gets
   * `Secure` and which client address login limits count. Unset: none.
   */
  trustProxy: string | undefined;
  /**
   * `METRICS_PORT`: port of the operators' listener (`/metrics`), apart from the chat's
   * public port; 0 picks a free one. Default 9464.
   */
  metricsPort: number;
  /** `METRICS_HOST`: address of the operators' listener. Default 127.0.0.1 (this machine only). */
  metricsHost: string;
  /** `PUSH_TOKEN`: bearer token of the HTTP push API; unset disables the API (404). */
  pushToken: string | undefined;
  /** `LOG_LEVEL`: pino level. Default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `LOG_FORMAT`: `json` (default) or `pretty` for humans. */
  logFormat: 'json' | 'pretty';
}

export const defaultConfig: Config = {
  port: 3000,
  host: undefined,
  historyLimit: 1000,
  retentionDays: undefined,
  retentionSweepMs: 3_600_000,
  historyPage: 50,
  maxTextLength: 2000,
  maxPayloadBytes: 64 * 1024,
  messageRatePerSec: 5,
  messageBurst: 10,
  eventRatePerSec: 30,
  eventBurst: 60,
  floodStrikes: 30,
  floodWindowMs: 10_000,
  floodPenaltyMs: 30_000,
  maxRooms: 10_000,
  roomsPerHour: 20,
  roomsPerHourPerAddress: 100,
  guestsPerHourPerAddress: 30,
  signupsPerHourPerAddress: 10,
  maxRoomsPerConnection: 20,
  dedupTtlMs: 600_000,
  allowedOrigins: undefined,
  adminUsers: undefined,
  adminUi: false,
  shutdownDrainMs: 0,
  shutdownTimeoutMs: 10_000,
  client: 'static',
  clientDir: 'dist/client',
  store: 'sqlite',
  dataDir: './data',
  databaseUrl: undefined,
  redisUrl: undefined,
  redisClusterNodes: undefined,
  redisAdapter: 'classic',
  redisAckReplicas: 0,
  redisAckTimeoutMs: 500,
  redisPrefix: 'chat:',
  sessionTtlMs: 30 * 24 * 3_600_000,
  sessionCheckMs: 60_000,
  presenceGraceMs: 5000,
  maxConnectionsPerUser: 20,
  maxConnectionsPerAddress: 1000,
  jwtSecret: undefined,
  jwksUrl: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  guests: false,
  scryptCost: 15,
  publicOrigin: undefined,
  trustProxy: undefined,
  metricsPort: 9464,
  metricsHost: '127.0.0.1',
  pushToken: undefined,
  logLevel: 'info',
  logFormat: 'json',
};

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { error: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const positive = (max: number) => int(1, max);

const usernames = z.string().transform((s) =>
  s
    .split(',')
    .map((u) => u.trim().toLowerCase())
    .filter((u) => u.length > 0),
);

const origins = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
  )
  .pipe(
    z
      .array(
        z.string().regex(/^https?:\/\/[^/\s]+$/, {
          error: 'each origin must look like https://host[:port]',
        }),
      )
      .min(1, { error: 'list at least one origin, or unset it' }),
  );

/** Environment variable → config field, with the parser for its value. */
const variables = {
  PORT: ['port', int(0, 65535)],
  HOST: ['host', z.string().trim().min(1)],
  HISTORY_LIMIT: ['historyLimit', positive(1_000_000)],
  RETENTION_DAYS: ['retentionDays', positive(Limits.retentionDaysMax)],
  RETENTION_SWEEP_MS: ['retentionSweepMs', int(1000, 7 * 24 * 3_600_000)],
  HISTORY_PAGE: ['historyPage', positive(100)],
  MAX_TEXT_LENGTH: ['maxTextLength', positive(100_000)],
  MAX_PAYLOAD_BYTES: ['maxPayloadBytes', int(1024, 100 * 1024 * 1024)],
  RATE_LIMIT_PER_SEC: ['messageRatePerSec', positive(1_000_000)],
  RATE_LIMIT_BURST: ['messageBurst', positive(1_000_000)],
  EVENT_RATE_PER_SEC: ['eventRatePerSec', positive(1_000_000)],
  EVENT_BURST: ['eventBurst', positive(1_000_000)],
  FLOOD_STRIKES: ['floodStrikes', positive(1_000_000)],
  FLOOD_WINDOW_MS: ['floodWindowMs', positive(3_600_000)],
  FLOOD_PENALTY_MS: ['floodPenaltyMs', int(0, 3_600_000)],
  MAX_ROOMS: ['maxRooms', positive(10_000_000)],
  ROOMS_PER_HOUR: ['roomsPerHour', positive(1_000_000)],
  ROOMS_PER_HOUR_PER_ADDRESS: ['roomsPerHourPerAddress', positive(1_000_000)],
  GUESTS_PER_HOUR_PER_ADDRESS: ['guestsPerHourPerAddress', positive(1_000_000)],
  SIGNUPS_PER_HOUR_PER_ADDRESS: ['signupsPerHourPerAddress', positive(1_000_000)],
  MAX_ROOMS_PER_CONNECTION: ['maxRoomsPerConnection', positive(10_000)],
  DEDUP_TTL_MS: ['dedupTtlMs', positive(7 * 24 * 3_600_000)],
  ALLOWED_ORIGINS: ['allowedOrigins', origins],
  ADMIN_USERS: ['adminUsers', usernames],
  SHUTDOWN_DRAIN_MS: ['shutdownDrainMs', int(0, 600_000)],
  SHUTDOWN_TIMEOUT_MS: ['shutdownTimeoutMs', positive(600_000)],
  CLIENT: ['client', z.enum(['static', 'vite', 'off'])],
  CLIENT_DIR: ['clientDir', z.string().trim().min(1)],
  STORE: ['store', z.enum(['sqlite', 'memory'])],
  DATA_DIR: ['dataDir', z.string().trim().min(1)],
  DATABASE_URL: [
    'databaseUrl',
    z
      .string()
      .trim()
      .regex(/^postgres(ql)?:\/\/\S+$/, { error: 'must look like postgres://user@host:port/db' }),
  ],
  REDIS_URL: [
    'redisUrl',
    z
      .string()
      .trim()
      .regex(/^rediss?:\/\/\S+$/, { error: 'must look like redis://host:port' }),
  ],
  REDIS_CLUSTER_NODES: [
    'redisClusterNodes',
    z
      .string()
      .trim()
      .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, {
        error: 'must look like host:port,host:port',
      }),
  ],
  REDIS_ADAPTER: ['redisAdapter', z.enum(['classic', 'sharded'])],
  REDIS_ACK_REPLICAS: ['redisAckReplicas', int(0, 5)],
  REDIS_ACK_TIMEOUT_MS: ['redisAckTimeoutMs', positive(60_000)],
  REDIS_PREFIX: [
    'redisPrefix',
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.:-]{1,32}$/, { error: 'must be 1–32 of A-Z a-z 0-9 _ . : -' }),
  ],
  SESSION_TTL_MS: ['sessionTtlMs', positive(365 * 24 * 3_600_000)],
  SESSION_CHECK_MS: ['sessionCheckMs', int(10, 3_600_000)],
  PRESENCE_GRACE_MS: ['presenceGraceMs', int(0, 600_000)],
  MAX_CONNECTIONS_PER_USER: ['maxConnectionsPerUser', positive(1_000_000)],
  MAX_CONNECTIONS_PER_ADDRESS: ['maxConnectionsPerAddress', positive(10_000_000)],
  AUTH_JWT_SECRET: [
    'jwtSecret',
    z.string().trim().min(32, { error: 'must be at least 32 characters' }),
  ],
  AUTH_JWKS_URL: [
    'jwksUrl',
    z
      .string()
      .trim()
      .regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' }),
  ],
  AUTH_JWT_ISSUER: ['jwtIssuer', z.string().trim().min(1)],
  AUTH_JWT_AUDIENCE: ['jwtAudience', z.string().trim().min(1)],
  GUESTS: ['guests', z.enum(['true', 'false']).transform((v) => v === 'true')],
  ADMIN_UI: ['adminUi', z.enum(['true', 'false']).transform((v) => v === 'true')],
  SCRYPT_COST: ['scryptCost', int(10, 20)],
  PUBLIC_ORIGIN: [
    'publicOrigin',
    z
      .string()
      .trim()
      .regex(/^https?:\/\/[^/\s]+$/, { error: 'must look like https://host[:port]' }),
  ],
  TRUST_PROXY: ['trustProxy', z.string().trim().min(1)],
  METRICS_PORT: ['metricsPort', int(0, 65535)],
  METRICS_HOST: ['metricsHost', z.string().trim().min(1)],
  PUSH_TOKEN: [
    'pushToken',
    z
      .string()
      .trim()
      .min(16, { error: 'must be at least 16 characters' })
      .regex(/^\S+$/, { error: 'must have no spaces' }),
  ],
  LOG_LEVEL: ['logLevel', z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])],
  LOG_FORMAT: ['logFormat', z.enum(['json', 'pretty'])],
} as const satisfies Record<string, readonly [keyof Config, z.ZodType]>;

/** Room, clientId, event name and framing around a message's text, with room to spare. */
const FRAME_OVERHEAD_BYTES = 1024;

export type ConfigVariable = keyof typeof variables;
export const CONFIG_VARIABLES = Object.keys(variables) as ConfigVariable[];
/** The config field each environment variable sets. */
export const configField = (variable: ConfigVariable): keyof Config => variables[variable][0];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const isSet = (raw: string | undefined) => raw !== undefined && raw.trim() !== '';

/** True when the nodes share everything through Redis (one server or a cluster). */
export const usesRedis = (config: Config): boolean =>
  config.redisUrl !== undefined || config.redisClusterNodes !== undefined;

/**
 * Reads the configuration once from the environment. Unset or empty variables take their
 * default; a bad value throws a ConfigError naming every offending variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Record<string, unknown> = { ...defaultConfig };
  const problems: string[] = [];
  for (const [name, [field, schema]] of Object.entries(variables)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success) {
      config[field] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((i) => i.message).join('; ');
      problems.push(`${name}=${JSON.stringify(raw)}: ${reason}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const result = config as unknown as Config;
  if (result.redisClusterNodes !== undefined) {
    if (result.redisUrl !== undefined) {
      throw new ConfigError(['REDIS_URL and REDIS_CLUSTER_NODES: set one of them, not both']);
    }
    // On Redis Cluster only the sharded adapter keeps a room's broadcasts in order: the
    // classic one's PUBLISH has no key, so ioredis sends each to any node, and the cluster
    // bus forwards them from there in no common order. And a primary's failover is survived
    // only by what its replica already holds: waiting for one is the default there.
    if (isSet(env.REDIS_ADAPTER) && result.redisAdapter === 'classic') {
      throw new ConfigError([
        "REDIS_ADAPTER=classic: not with REDIS_CLUSTER_NODES, where it would deliver a room's messages out of order; use sharded (the default there)",
      ]);
    }
    result.redisAdapter = 'sharded';
    if (!isSet(env.REDIS_ACK_REPLICAS)) result.redisAckReplicas = 1;
  }
  // A message of allowed length must fit in a frame (UTF-8 takes up to 4 bytes a
  // character), or a client would be disconnected for text the limit says is fine.
  const needed = result.maxTextLength * 4 + FRAME_OVERHEAD_BYTES;
  if (needed > result.maxPayloadBytes) {
    throw new ConfigError([
      `MAX_TEXT_LENGTH=${result.maxTextLength} needs MAX_PAYLOAD_BYTES of at least ${needed} (it is ${result.maxPayloadBytes})`,
    ]);
  }
  return result;
}
