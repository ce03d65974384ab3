import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  CONFIG_VARIABLES,
  configField,
  defaultConfig,
  loadConfig,
} from '../src/config.js';
import { spawnServer } from './support/process.js';

describe('loadConfig', () => {
  test('uses the defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({
      port: 3000,
      historyLimit: 1000,
      historyPage: 50,
      maxTextLength: 2000,
      maxPayloadBytes: 65536,
      messageRatePerSec: 5,
      messageBurst: 10,
      maxRoomsPerConnection: 20,
    });
  });

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      HISTORY_LIMIT: '10',
      RETENTION_DAYS: '90',
      RETENTION_SWEEP_MS: '60000',
      HISTORY_PAGE: '5',
      MAX_TEXT_LENGTH: '100',
      MAX_PAYLOAD_BYTES: '2048',
      RATE_LIMIT_PER_SEC: '1',
      RATE_LIMIT_BURST: '2',
      EVENT_RATE_PER_SEC: '3',
      EVENT_BURST: '4',
      FLOOD_STRIKES: '6',
      FLOOD_WINDOW_MS: '7000',
      MAX_ROOMS_PER_CONNECTION: '8',
      DEDUP_TTL_MS: '9000',
      ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000',
      SHUTDOWN_DRAIN_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '2000',
      CLIENT: 'vite',
      CLIENT_DIR: 'somewhere/else',
      STORE: 'memory',
      DATA_DIR: '/var/lib/chat',
      SESSION_TTL_MS: '3600000',
      SESSION_CHECK_MS: '5000',
      PRESENCE_GRACE_MS: '0',
      MAX_CONNECTIONS_PER_USER: '3',
      MAX_CONNECTIONS_PER_ADDRESS: '50',
      AUTH_JWT_SECRET: 's'.repeat(32),
      AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
      AUTH_JWT_ISSUER: 'https://login.example.com/',
      AUTH_JWT_AUDIENCE: 'chat',
      FLOOD_PENALTY_MS: '5000',
      MAX_ROOMS: '500',
      ROOMS_PER_HOUR: '4',
      ROOMS_PER_HOUR_PER_ADDRESS: '40',
      GUESTS_PER_HOUR_PER_ADDRESS: '9',
      SIGNUPS_PER_HOUR_PER_ADDRESS: '4',
      METRICS_PORT: '9500',
      METRICS_HOST: '10.0.0.5',
      GUESTS: 'true',
      SCRYPT_COST: '12',
      PUBLIC_ORIGIN: 'https://chat.example',
      TRUST_PROXY: 'loopback',
      DATABASE_URL: 'postgres://chat@db.internal:5432/chat',
      REDIS_URL: 'redis://127.0.0.1:6390',
      REDIS_ADAPTER: 'sharded',
      REDIS_ACK_REPLICAS: '2',
      REDIS_ACK_TIMEOUT_MS: '250',
      REDIS_PREFIX: 'prod:',
      PUSH_TOKEN: 'a-long-enough-token',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'pretty',
      ADMIN_USERS: 'Root, ops ',
      ADMIN_UI: 'true',
    });
    expect(config).toEqual({
      adminUsers: ['root', 'ops'],
      adminUi: true,
      port: 8080,
      host: '127.0.0.1',
      historyLimit: 10,
      retentionDays: 90,
      retentionSweepMs: 60_000,
      historyPage: 5,
      maxTextLength: 100,
      maxPayloadBytes: 2048,
      messageRatePerSec: 1,
      messageBurst: 2,
      eventRatePerSec: 3,
      eventBurst: 4,
      floodStrikes: 6,
      floodWindowMs: 7000,
      maxRoomsPerConnection: 8,
      dedupTtlMs: 9000,
      allowedOrigins: ['https://a.example', 'http://localhost:3000'],
      shutdownDrainMs: 100,
      shutdownTimeoutMs: 2000,
      client: 'vite',
      clientDir: 'somewhere/else',
      store: 'memory',
      dataDir: '/var/lib/chat',
      sessionTtlMs: 3_600_000,
      sessionCheckMs: 5000,
      presenceGraceMs: 0,
      maxConnectionsPerUser: 3,
      maxConnectionsPerAddress: 50,
      jwtSecret: 's'.repeat(32),
      jwksUrl: 'https://login.example.com/.well-known/jwks.json',
      jwtIssuer: 'https://login.example.com/',
      jwtAudience: 'chat',
      floodPenaltyMs: 5000,
      maxRooms: 500,
      roomsPerHour: 4,
      roomsPerHourPerAddress: 40,
      guestsPerHourPerAddress: 9,
      signupsPerHourPerAddress: 4,
      metricsPort: 9500,
      metricsHost: '10.0.0.5',
      guests: true,
      scryptCost: 12,
      publicOrigin: 'https://chat.example',
      trustProxy: 'loopback',
      databaseUrl: 'postgres://chat@db.internal:5432/chat',
      redisUrl: 'redis://127.0.0.1:6390',
      redisClusterNodes: undefined,
      redisAdapter: 'sharded',
      redisAckReplicas: 2,
      redisAckTimeoutMs: 250,
      redisPrefix: 'prod:',
      pushToken: 'a-long-enough-token',
      logLevel: 'warn',
      logFormat: 'pretty',
    });
    // REDIS_CLUSTER_NODES excludes REDIS_URL: it has a test of its own below.
    expect(CONFIG_VARIABLES).toHaveLength(56);
  });

  test('REDIS_CLUSTER_NODES: a Redis Cluster, with the sharded adapter and one replica per ack by default', () => {
    const seeds = '127.0.0.1:7000,redis-b:7001';
    expect(loadConfig({ REDIS_CLUSTER_NODES: seeds })).toMatchObject({
      redisClusterNodes: seeds,
      redisUrl: undefined,
      redisAdapter: 'sharded',
      redisAckReplicas: 1,
    });
    // Replicas can be set explicitly, down to none awaited at all.
    expect(loadConfig({ REDIS_CLUSTER_NODES: seeds, REDIS_ACK_REPLICAS: '0' })).toMatchObject({
      redisAdapter: 'sharded',
      redisAckReplicas: 0,
    });
    // The classic adapter would reorder a room's messages there (PUBLISH goes to any node).
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: seeds, REDIS_ADAPTER: 'classic' })).toThrow(
      /REDIS_ADAPTER=classic: not with REDIS_CLUSTER_NODES/,
    );
    expect(loadConfig({ REDIS_CLUSTER_NODES: seeds, REDIS_ADAPTER: 'sharded' }).redisAdapter).toBe(
      'sharded',
    );
    // One server: the classic adapter and no replica awaited, as before.
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' })).toMatchObject({
      redisAdapter: 'classic',
      redisAckReplicas: 0,
    });
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: seeds, REDIS_URL: 'redis://r:6379' })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES/,
    );
  });

  test.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['HISTORY_LIMIT', '0'],
    ['HISTORY_LIMIT', '1.5'],
    ['MAX_PAYLOAD_BYTES', '10'],
    ['RATE_LIMIT_PER_SEC', '5/s'],
    ['ALLOWED_ORIGINS', 'not-a-url'],
    ['ALLOWED_ORIGINS', ' , '],
    ['LOG_LEVEL', 'loud'],
    ['CLIENT', 'webpack'],
    ['DATABASE_URL', 'localhost:5432/chat'],
    ['REDIS_URL', 'localhost:6379'],
    ['REDIS_ADAPTER', 'cluster'],
    ['REDIS_CLUSTER_NODES', 'redis://127.0.0.1:7000'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1'],
    ['REDIS_ACK_REPLICAS', '9'],
    ['PUSH_TOKEN', 'short'],
  ])('%s=%j is refused with a message naming it', (name, value) => {
    const load = () => loadConfig({ [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`${name}=`));
  });

  test('MAX_TEXT_LENGTH must fit in MAX_PAYLOAD_BYTES', () => {
    expect(() => loadConfig({ MAX_TEXT_LENGTH: '20000' })).toThrow(
      /MAX_TEXT_LENGTH=20000 needs MAX_PAYLOAD_BYTES of at least 81024/,
    );
    expect(loadConfig({ MAX_TEXT_LENGTH: '20000', MAX_PAYLOAD_BYTES: '81024' }).maxTextLength).toBe(
      20000,
    );
  });

  test('every bad variable is reported at once', () => {
    try {
      loadConfig({ PORT: 'x', HISTORY_PAGE: 'y' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toHaveLength(2);
    }
  });
});

test('the server process refuses to start on bad config: exit 1, variable named', async () => {
  const server = spawnServer({ RATE_LIMIT_BURST: 'lots' });
  expect((await server.exited).code).toBe(1);
  expect(server.stderr()).toContain('RATE_LIMIT_BURST="lots"');
  expect(server.stderr()).toContain('must be a whole number');
  expect(server.stderr()).not.toMatch(/\n\s+at /);
});

describe("the README's configuration table", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Deploying'));
  const rows = new Map(
    [...section.matchAll(/^\| `([A-Z_]+)` +\| ([^|]+?) +\|/gm)].map((m) => [m[1], m[2]]),
  );

  test('lists every variable, and only those', () => {
    expect([...rows.keys()].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  test.each(CONFIG_VARIABLES)('gives the default of %s as config.ts has it', (variable) => {
    const value = defaultConfig[configField(variable)];
    const shown = rows.get(variable);
    // Unset defaults read as words in the table: "(none)", "(any)", "all".
    if (value === undefined) expect(shown).toMatch(/^\((none|any)\)$|^all$/);
    else expect(shown).toBe(String(value));
  });
});
