import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { ErrorCode, type ModerationEvent } from '../../common/contract.js';
import { ManualScheduler } from '../../client/test/support/manual-scheduler.js';
import { createServer } from '../src/app.js';
import { createMemoryHistoryStore } from '../src/messages/memory-store.js';
import { createSqliteHistoryStore } from '../src/messages/sqlite-store.js';
import type { HistoryStore } from '../src/messages/store.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { migrate, openPostgres } from '../src/storage/postgres.js';
import { createPostgresHistoryStore, messagesMigrations } from '../src/messages/postgres-store.js';
import { postgresForFile } from './support/postgres.js';
import { signUp, type SignedIn } from './support/accounts.js';
import { connect, joinOk, request, sendOk, waitFor } from './support/client.js';
import { startTestServer, testConfig } from './support/server.js';

const DAY = 86_400_000;

const code = (ack: { ok: boolean; error?: { code: string } }) =>
  ack.ok ? 'ok' : (ack.error?.code ?? '');

/** A clock the test moves by hand. */
function clock(start = 1_800_000_000_000) {
  const time = { t: start };
  return { now: () => time.t, advance: (ms: number) => (time.t += ms) };
}

async function chat(overrides = {}, deps: Parameters<typeof startTestServer>[1] = {}) {
  const started = await startTestServer({ scryptCost: 10, ...overrides }, deps);
  const named = async (name: string) => {
    const who: SignedIn = await signUp(started.url, name);
    return { who, socket: await connect(started.url, { session: who.token }) };
  };
  return { ...started, named };
}

describe('a room’s retention', () => {
  test('its owner sets it: announced, audited, in the info; a moderator, a member and bad values are refused', async () => {
    const { named } = await chat();
    const owner = await named('olga');
    const mod = await named('mona');
    const member = await named('mike');
    await joinOk(owner.socket, 'den');
    await joinOk(mod.socket, 'den');
    const joined = await joinOk(member.socket, 'den');
    expect(joined.info.retention).toBeUndefined();
    await request(owner.socket, 'room:role', {
      room: 'den',
      userId: mod.who.user.id,
      role: 'moderator',
    });

    const told = waitFor<ModerationEvent>(
      member.socket,
      'moderation',
      (e) => e.action === 'update',
    );
    const set = await request(owner.socket, 'room:update', { room: 'den', retentionDays: 30 });
    expect(set.ok && set.info.retention).toStrictEqual({ days: 30, by: 'room' });
    expect((await told).info.retention).toStrictEqual({ days: 30, by: 'room' });
    // What a later joiner sees, and what the audit keeps.
    expect((await joinOk(member.socket, 'den')).info.retention).toStrictEqual({
      days: 30,
      by: 'room',
    });
    const audit = await request(owner.socket, 'room:audit', { room: 'den' });
    expect(audit.ok && audit.entries[0]).toMatchObject({
      action: 'update',
      by: owner.who.user.id,
      detail: JSON.stringify({ retentionDays: 30 }),
    });

    // A moderator may change the topic, not how long the room remembers; a member neither.
    for (const who of [mod, member]) {
      const ack = await request(who.socket, 'room:update', { room: 'den', retentionDays: 1 });
      expect(code(ack)).toBe(ErrorCode.NOT_MODERATOR);
    }
    for (const retentionDays of [0, 1.5, -3, 36_501, '7']) {
      const ack = await request(owner.socket, 'room:update', {
        room: 'den',
        retentionDays,
      } as never);
      expect(code(ack)).toBe(ErrorCode.BAD_REQUEST);
    }
    const info = await request(owner.socket, 'room:update', { room: 'den', topic: 'books' });
    expect(info.ok && info.info.retention).toStrictEqual({ days: 30, by: 'room' });

    const cleared = await request(owner.socket, 'room:update', {
      room: 'den',
      retentionDays: null,
    });
    expect(cleared.ok && cleared.info.retention).toBeUndefined();
  });

  test('the server’s RETENTION_DAYS is every room’s, and a room may keep less, never more', async () => {
    const { named } = await chat({ retentionDays: 30 });
    const owner = await named('olga');
    expect((await joinOk(owner.socket, 'general')).info.retention).toStrictEqual({
      days: 30,
      by: 'server',
    });
    await joinOk(owner.socket, 'den');
    const shorter = await request(owner.socket, 'room:update', { room: 'den', retentionDays: 7 });
    expect(shorter.ok && shorter.info.retention).toStrictEqual({ days: 7, by: 'room' });
    const longer = await request(owner.socket, 'room:update', { room: 'den', retentionDays: 60 });
    expect(code(longer)).toBe(ErrorCode.BAD_REQUEST);
    expect(!longer.ok && longer.error.message).toContain('30 days');
  });

  test('a store that cannot delete takes no retention: the server refuses to start with one, and rooms may not set one', async () => {
    // As the Redis store is: everything but purge.
    const history: HistoryStore = {
      ...createMemoryHistoryStore({ limit: 100, dedupTtlMs: 1000 }),
      purge: undefined,
    };
    expect(() => createServer(testConfig({ retentionDays: 5 }), { history })).toThrow(
      /RETENTION_DAYS/,
    );
    const { named } = await chat({}, { history });
    const owner = await named('olga');
    await joinOk(owner.socket, 'den');
    const ack = await request(owner.socket, 'room:update', { room: 'den', retentionDays: 7 });
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  });
});

/** A logger whose lines a test can wait for. */
function listeningLogger() {
  const waiting: { match: string; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString();
      for (const w of waiting.filter((x) => line.includes(x.match))) w.resolve();
      done();
    },
  });
  return {
    logger: pino({ level: 'info' }, stream),
    line: (match: string) => new Promise<void>((resolve) => waiting.push({ match, resolve })),
  };
}

const postgres = postgresForFile();

const stores: [string, (now: () => number) => Promise<HistoryStore> | HistoryStore][] = [
  ['memory', (now) => createMemoryHistoryStore({ limit: 10_000, dedupTtlMs: 60_000, now })],
  [
    'postgres',
    async (now) => {
      const pool = openPostgres(await postgres.database());
      onTestFinished(() => pool.end());
      await migrate(pool, messagesMigrations);
      return createPostgresHistoryStore(pool, { dedupTtlMs: 60_000, now });
    },
  ],
  [
    'sqlite',
    (now) => {
      const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'chat-retention-')), 'chat.db'));
      onTestFinished(() => {
        db.close();
      });
      return createSqliteHistoryStore(db, { dedupTtlMs: 60_000, now });
    },
  ],
];

describe.each(stores)('purging what is too old (%s)', (_name, store) => {
  test('the sweep runs on the server’s timers and deletes what a room’s retention says; a rejoin from before is told of the gap', async () => {
    const time = clock();
    const scheduler = new ManualScheduler();
    const { logger, line } = listeningLogger();
    const { named } = await chat(
      { retentionSweepMs: 3_600_000 },
      { now: time.now, scheduler, logger, history: await store(time.now) },
    );
    const owner = await named('olga');
    const reader = await named('rita');
    await joinOk(owner.socket, 'den');
    await request(owner.socket, 'room:update', { room: 'den', retentionDays: 2 });
    await joinOk(reader.socket, 'den');
    const old = [await sendOk(owner.socket, 'den', 'day 0, first')];
    old.push(await sendOk(owner.socket, 'den', 'day 0, second'));
    // A room without a retention keeps everything.
    await joinOk(owner.socket, 'lobby');
    const lobby = await sendOk(owner.socket, 'lobby', 'kept for good');
    time.advance(3 * DAY);
    const kept = await sendOk(owner.socket, 'den', 'day 3');

    const swept = line('retention: old messages deleted');
    scheduler.advance(3_600_000);
    await swept;
    const page = await request(owner.socket, 'history:fetch', { room: 'den', before: kept.id });
    expect(page.ok && page.messages).toStrictEqual([]);
    const latest = await joinOk(owner.socket, 'den');
    expect(latest.history.map((m) => m.text)).toEqual(['day 3']);
    // Someone who was away since the first message cannot be caught up: told so.
    const back = await joinOk(reader.socket, 'den', old[0]?.id);
    expect(back).toMatchObject({ gap: true, gapReason: 'trimmed' });
    expect(back.history.map((m) => m.id)).toEqual([kept.id]);
    // From the newest deleted, nothing is missing.
    const resumed = await joinOk(reader.socket, 'den', old[1]?.id);
    expect(resumed).toMatchObject({ gap: false });
    expect(resumed.history.map((m) => m.id)).toEqual([kept.id]);
    expect((await joinOk(owner.socket, 'lobby')).history.map((m) => m.id)).toEqual([lobby.id]);
  });

  test('RETENTION_DAYS reaches every room, conversations too, and a sweep deletes in batches', async () => {
    const time = clock();
    const history = await store(time.now);
    const started = await chat({ retentionDays: 1 }, { now: time.now, history });
    const owner = await started.named('olga');
    const other = await started.named('otto');
    await joinOk(owner.socket, 'busy');
    // More than two batches, to see every batch go; written to the store, past the rate limit.
    const author = { id: owner.who.user.id, name: 'olga' };
    for (let i = 0; i < 1200; i++)
      await history.append({ room: 'busy', author, text: `m${i}`, clientId: `c${i}`, origin: 't' });
    const dm = await request(owner.socket, 'dm:open', { users: [other.who.user.id] });
    if (!dm.ok) throw new Error('no conversation');
    await joinOk(owner.socket, dm.room);
    await sendOk(owner.socket, dm.room, 'between us');
    time.advance(2 * DAY);
    const kept = await sendOk(owner.socket, 'busy', 'today');
    expect(await started.server.sweepRetention()).toBe(1201);
    expect((await joinOk(owner.socket, 'busy')).history.map((m) => m.id)).toEqual([kept.id]);
    expect((await joinOk(owner.socket, dm.room)).history).toEqual([]);
    expect(await started.server.sweepRetention()).toBe(0);
  });
});

describe('a long absence', () => {
  test('past HISTORY_LIMIT a rejoin gets the newest page and pages back through everything', async () => {
    // A store that keeps more than a rejoin replays, as SQLite and PostgreSQL do.
    const history = createMemoryHistoryStore({ limit: 1000, dedupTtlMs: 60_000 });
    const { named } = await chat({ historyLimit: 3, historyPage: 4 }, { history });
    const away = await named('alba');
    const busy = await named('bob');
    await joinOk(away.socket, 'den');
    await joinOk(busy.socket, 'den');
    const sent = [];
    for (let i = 0; i < 7; i++) sent.push(await sendOk(busy.socket, 'den', `m${i}`));
    // Three since sent[3]: replayed as usual.
    const short = await joinOk(away.socket, 'den', sent[3]?.id);
    expect(short).toMatchObject({ gap: false });
    expect(short.history.map((m) => m.text)).toEqual(['m4', 'm5', 'm6']);
    // Six since the first message: too many to replay.
    const long = await joinOk(away.socket, 'den', sent[0]?.id);
    expect(long).toMatchObject({ gap: true, gapReason: 'too_many', hasMore: true });
    expect(long.history.map((m) => m.text)).toEqual(['m3', 'm4', 'm5', 'm6']);
    const older = await request(away.socket, 'history:fetch', {
      room: 'den',
      before: long.history[0]?.id ?? '',
    });
    expect(older.ok && older.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
  });
});
