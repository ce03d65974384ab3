import { accountsMigrations, createPostgresAccounts } from '../accounts/postgres-store.js';
import type { Config } from '../config.js';
import {
  conversationsMigrations,
  createPostgresConversations,
} from '../conversations/postgres-store.js';
import type { Logger } from '../logger.js';
import { createPostgresHistoryStore, messagesMigrations } from '../messages/postgres-store.js';
import { createPostgresModeration, moderationMigrations } from '../moderation/postgres-store.js';
import { createPostgresMemberships, roomsMigrations } from '../rooms/postgres-store.js';
import { migrate, openPostgres, type Migration } from '../storage/postgres.js';
import type { Stores } from './stores.js';

/** Every concern's schema steps, in the order a fresh database takes them. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  ...accountsMigrations,
  ...messagesMigrations,
  ...conversationsMigrations,
  ...moderationMigrations,
  ...roomsMigrations,
];

/** How often an idle node checks that the database still answers, in ms. */
const PROBE_EVERY_MS = 1000;

/** What /readyz says of the database. */
export interface DatabaseHealth {
  /** The check's name in /readyz. */
  name: string;
  /** True while the database answered the latest probe. */
  healthy: () => boolean;
  /** True once the schema is migrated and the database has answered once. */
  started: () => boolean;
}

export interface PostgresBackend extends Stores {
  health: DatabaseHealth;
  /** The database's size on disk, in bytes. */
  sizeBytes: () => Promise<number>;
  /** Resolves once the schema is migrated; rejects when migrating fails. */
  migrated: Promise<void>;
  close(): Promise<void>;
}

/**
 * Every store of record in the PostgreSQL database of `DATABASE_URL`, shared by every node.
 * The schema is migrated before the node listens (node.ts waits on `migrated`); several
 * nodes starting together migrate it once.
 */
export function openPostgresStores(
  config: Config & { databaseUrl: string },
  deps: { logger: Logger; now?: () => number },
): PostgresBackend {
  const { logger } = deps;
  const pool = openPostgres(config.databaseUrl, {
    onIdleError: (err) => {
      logger.warn({ err: err.message }, 'postgres connection lost');
    },
  });
  let healthy = false;
  let started = false;
  const setHealthy = (now: boolean) => {
    if (now !== healthy) logger.info({ healthy: now }, now ? 'postgres up' : 'postgres down');
    healthy = now;
  };
  const migrated = migrate(pool, POSTGRES_MIGRATIONS).then((applied) => {
    if (applied.length > 0) logger.info({ applied }, 'postgres schema migrated');
    started = true;
    setHealthy(true);
  });
  // Swallowed here, reported by whoever awaits `migrated` (the node's listen).
  migrated.catch(() => undefined);
  const probe = setInterval(() => {
    if (!started) return;
    pool.query('SELECT 1').then(
      () => {
        setHealthy(true);
      },
      () => {
        setHealthy(false);
      },
    );
  }, PROBE_EVERY_MS);
  probe.unref();
  const now = deps.now;
  return {
    // History is kept until a retention deletes it: no limit.
    history: createPostgresHistoryStore(pool, {
      dedupTtlMs: config.dedupTtlMs,
      ...(now ? { now } : {}),
    }),
    accounts: createPostgresAccounts(pool, now),
    conversations: createPostgresConversations(pool),
    moderation: createPostgresModeration(pool),
    memberships: createPostgresMemberships(pool),
    health: { name: 'postgres', healthy: () => healthy, started: () => started },
    sizeBytes: async () => {
      const { rows } = await pool.query<{ bytes: string }>(
        'SELECT pg_database_size(current_database()) AS bytes',
      );
      return Number(rows[0]?.bytes ?? 0);
    },
    migrated,
    close: async () => {
      clearInterval(probe);
      await pool.end();
    },
  };
}
