import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JoinResult, Message } from '../../common/contract.js';
import type { Config } from '../src/config.js';
import { logIn, signInGuest, signUp, type SignedIn } from './support/accounts.js';
import { connect, joinOk, request, send, sendOk, type ChatClient } from './support/client.js';
import { postgresForFile } from './support/postgres.js';
import { RedisProcess } from './support/redis.js';
import { RedisCluster } from './support/redis-cluster.js';
import { startTestNode, type TestNode } from './support/server.js';

const postgres = postgresForFile();
const redis = new RedisProcess();
let prefixes = 0;

/**
 * Streams are trimmed by whole nodes of entries (`MAXLEN ~`): small nodes make a room of a
 * few dozen messages lose its oldest, as a busy room of a deployment does.
 */
async function smallStreamNodes(url: string): Promise<void> {
  const admin = new Redis(url);
  await admin.config('SET', 'stream-node-max-entries', '4');
  admin.disconnect();
}

beforeAll(async () => {
  await redis.start();
  await smallStreamNodes(redis.url);
});
afterAll(() => redis.stop());

/** What both nodes run with: a short history, so that a room is trimmed, and no rate limits. */
const SHARED: Partial<Config> = {
  historyLimit: 8,
  messageRatePerSec: 1_000_000,
  messageBurst: 1_000_000,
  eventRatePerSec: 1_000_000,
};

const TABLES = [
  'users',
  'sessions',
  'history_rooms',
  'messages',
  'message_changes',
  'message_dedup',
  'conversations',
  'user_conversations',
  'read_marks',
  'room_settings',
  'room_moderators',
  'room_invites',
  'room_sanctions',
  'room_audit',
  'room_reports',
  'user_rooms',
  'user_invitations',
];

/** Runs `npm run migrate:from-redis` as a child process; resolves with its stdout. */
async function migrateCommand(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/migrate-from-redis.ts'],
    { env: { ...process.env, REDIS_URL: '', REDIS_CLUSTER_NODES: '', ...env } },
  );
  return stdout;
}

/** Every row of every table, as JSON text, in a stable order. */
async function dump(databaseUrl: string): Promise<Record<string, string[]>> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const out: Record<string, string[]> = {};
    for (const table of TABLES) {
      const { rows } = await client.query<{ r: string }>(
        `SELECT row_to_json(t)::text AS r FROM ${table} t ORDER BY 1`,
      );
      out[table] = rows.map((row) => row.r);
    }
    return out;
  } finally {
    await client.end();
  }
}

const ok = <T extends { ok: boolean }>(ack: T): Extract<T, { ok: true }> => {
  if (!ack.ok) throw new Error(`refused: ${JSON.stringify(ack)}`);
  return ack as Extract<T, { ok: true }>;
};

/** What a join shows that the record decides (not who happens to be online). */
const recorded = ({ history, hasMore, gap, gapReason, position, info, self }: JoinResult) => ({
  history,
  hasMore,
  gap,
  gapReason,
  position,
  info,
  self,
});

interface People {
  ann: SignedIn;
  ben: SignedIn;
  cyd: SignedIn;
  dan: SignedIn;
  gus: SignedIn;
}

/** Everything the record holds of `people`, read through the API of the node at `url`. */
async function observe(url: string, people: People, rooms: { dm: string; cursors: string[] }) {
  const as = async (who: SignedIn) => connect(url, { session: who.token });
  const a = await as(people.ann);
  const b = await as(people.ben);
  const c = await as(people.cyd);
  const d = await as(people.dan);
  const joins: Record<string, unknown> = {};
  for (const [socket, room] of [
    [a, 'general'],
    [a, 'busy'],
    [b, 'knitting'],
    [a, rooms.dm],
    [a, 'den'],
    [c, 'den'],
  ] as [ChatClient, string][]) {
    joins[`${room} ${String(socket.id === a.id)}`] = recorded(await joinOk(socket, room));
  }
  // Resuming from each cursor: what came after it, or the gap a trim left.
  const resumed = [];
  for (const since of rooms.cursors) {
    resumed.push(recorded(await joinOk(a, since.split(' ')[0] as string, since.split(' ')[1])));
  }
  const mine = [];
  const states = [];
  for (const socket of [a, b, c, d]) {
    mine.push(ok(await request(socket, 'rooms:mine', {})));
    states.push(ok(await request(socket, 'rooms:state', {})));
  }
  return {
    joins,
    resumed,
    mine,
    states,
    audit: ok(await request(a, 'room:audit', { room: 'den' })),
    open: ok(await request(a, 'reports:list', { room: 'den' })),
    resolved: ok(await request(a, 'reports:list', { room: 'den', open: false })),
    banned: await request(d, 'room:join', { room: 'den' }),
  };
}

/** Fills a Redis-backed node through its API, as a deployment's users would. */
async function fill(url: string) {
  const named = (n: string) => signUp(url, n, n.toUpperCase());
  const people: People = {
    ann: await named('ann'),
    ben: await named('ben'),
    cyd: await named('cyd'),
    dan: await named('dan'),
    gus: await signInGuest(url, 'Gus'),
  };
  const { ann, ben, cyd, dan } = people;
  const as = (who: SignedIn) => connect(url, { session: who.token });
  const a = await as(ann);
  const b = await as(ben);
  const c = await as(cyd);
  const d = await as(dan);
  const g = await as(people.gus);
  for (const s of [a, b, g]) await joinOk(s, 'general');
  const first = await sendOk(a, 'general', 'hello');
  const mention = await sendOk(b, 'general', 'hi @ann');
  expect(mention.mentions?.map((m) => m.id)).toEqual([ann.user.id]);
  const replyClientId = 'reply-1';
  const reply = ok(
    await request(a, 'message:send', {
      room: 'general',
      text: 'answering',
      clientId: replyClientId,
      replyTo: first.id,
    }),
  ).message;
  expect(reply.replyTo?.id).toBe(first.id);
  ok(await request(a, 'message:edit', { room: 'general', id: first.id, text: 'hello, edited' }));
  ok(await request(b, 'reaction:add', { room: 'general', id: first.id, emoji: '👍' }));
  ok(await request(a, 'reaction:add', { room: 'general', id: mention.id, emoji: '🎉' }));
  const oops = await sendOk(b, 'general', 'oops');
  ok(await request(b, 'message:delete', { room: 'general', id: oops.id }));
  await sendOk(g, 'general', 'a guest here');

  await joinOk(a, 'busy');
  const busy: Message[] = [];
  for (let i = 0; i < 30; i++) busy.push(await sendOk(a, 'busy', `busy ${i}`));
  await joinOk(b, 'knitting');
  await sendOk(b, 'knitting', 'purl');

  const dm = ok(await request(a, 'dm:open', { users: [ben.user.id] })).room;
  await joinOk(a, dm);
  await joinOk(b, dm);
  const secret = await sendOk(a, dm, 'just us');
  await sendOk(a, dm, 'and another');
  ok(await request(b, 'room:read', { room: dm, id: secret.id }));

  ok(await request(a, 'room:create', { room: 'den', private: true, topic: 'quiet' }));
  await joinOk(a, 'den');
  for (const who of [ben, cyd, dan]) {
    ok(await request(a, 'room:invite', { room: 'den', userId: who.user.id }));
  }
  await joinOk(c, 'den');
  await joinOk(d, 'den');
  ok(await request(a, 'room:role', { room: 'den', userId: cyd.user.id, role: 'moderator' }));
  const spam = await sendOk(d, 'den', 'buy watches');
  ok(await request(c, 'message:report', { room: 'den', id: spam.id, reason: 'spam' }));
  const other = await sendOk(d, 'den', 'more watches');
  const second = ok(
    await request(a, 'message:report', { room: 'den', id: other.id, reason: 'also' }),
  );
  ok(await request(c, 'report:resolve', { room: 'den', reportId: second.report.id }));
  ok(await request(a, 'room:ban', { room: 'den', userId: dan.user.id, reason: 'selling' }));

  // Resumed from: a message edited later, a held message, one trimmed away, the newest one
  // trimmed away (the room's edge), the room's head.
  const { position, history } = await joinOk(a, 'busy');
  const oldestHeld = busy.findIndex((m) => m.id === history[0]?.id);
  expect(oldestHeld).toBeGreaterThan(1);
  const cursors = [
    `general ${first.id}`,
    `general ${reply.id}`,
    `busy ${busy[0]?.id ?? ''}`,
    `busy ${busy[27]?.id ?? ''}`,
    `busy ${busy[oldestHeld - 1]?.id ?? ''}`,
    `busy ${position ?? ''}`,
    `${dm} ${secret.id}`,
  ];
  return { people, dm, cursors, replyClientId, reply };
}

test('npm run migrate:from-redis carries a deployment to PostgreSQL: ids, history, accounts, sessions, conversations, moderation, memberships; a second run changes nothing', async () => {
  const prefix = `m${prefixes++}:`;
  const databaseUrl = await postgres.database();
  const onRedis = await startTestNode({ ...SHARED, redisUrl: redis.url, redisPrefix: prefix });
  await carriedOver(onRedis, databaseUrl, {
    REDIS_URL: redis.url,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
  });
}, 60_000);

/**
 * Fills the Redis-backed node `onRedis`, stops it, migrates with `env`, and checks that a
 * node on `databaseUrl` shows the same record; then that a second run changes nothing.
 */
async function carriedOver(
  onRedis: TestNode,
  databaseUrl: string,
  env: Record<string, string>,
): Promise<void> {
  const { people, dm, cursors, replyClientId, reply } = await fill(onRedis.url);
  const before = await observe(onRedis.url, people, { dm, cursors });
  // The busy room lost its oldest messages: resuming from the first is a trimmed gap.
  expect(before.resumed[2]).toMatchObject({ gap: true, gapReason: 'trimmed' });
  expect(before.resumed[3]).toMatchObject({ gap: false });
  // From the edge nothing was lost: everything held follows; unless Redis's approximate trim
  // holds more than a rejoin replays (HISTORY_LIMIT), when the rejoin gets the newest page.
  const held = (before.joins['busy true'] as { history: unknown[] }).history.length;
  expect(before.resumed[4]).toMatchObject(
    held > (SHARED.historyLimit ?? 0) ? { gap: true, gapReason: 'too_many' } : { gap: false },
  );
  expect(before.resumed[5]).toMatchObject({ gap: false, history: [] });
  expect(before.joins['general true']).toMatchObject({
    history: [
      {
        id: reply.replyTo?.id,
        text: 'hello, edited',
        reactions: [{ emoji: '👍', users: [{ id: people.ben.user.id }] }],
      },
      { text: 'hi @ann', mentions: [{ id: people.ann.user.id }] },
      { id: reply.id, replyTo: { id: reply.replyTo?.id } },
      { deleted: true },
      { text: 'a guest here', author: { guest: true } },
    ],
  });
  expect(before.joins['den true']).toMatchObject({
    info: { owner: people.ann.user.id, moderators: [people.cyd.user.id], private: true },
  });
  expect(before.states[1]?.rooms).toContainEqual(
    expect.objectContaining({ room: dm, read: cursors[6]?.split(' ')[1] }),
  );
  expect(before.mine[1]?.invitations.map((i) => i.room)).toEqual(['den']);
  expect([before.open.reports.length, before.resolved.reports.length]).toEqual([1, 1]);
  expect(before.banned.ok).toBe(false);
  await onRedis.close();

  const out = await migrateCommand(env);
  expect(out).toMatch(/^users: 5 read, 5 written$/m);
  expect(out).toMatch(/^reports: 2 read, 2 written$/m);

  const onPostgres = await startTestNode({ ...SHARED, databaseUrl });
  const after = await observe(onPostgres.url, people, { dm, cursors });
  expect(after).toEqual(before);
  // Signing in with the same password works, and is the same user.
  expect((await logIn(onPostgres.url, 'ben')).user).toEqual(people.ben.user);
  await onPostgres.close();
  // (Taken after the node ran: using a session pushes its expiry back.)
  const rows = await dump(databaseUrl);

  // A second run adds nothing and changes nothing.
  const again = await migrateCommand(env);
  expect(again).toMatch(/^messages: \d+ read, 0 written$/m);
  expect(again).not.toMatch(/[1-9]\d* written$/m);
  expect(await dump(databaseUrl)).toEqual(rows);

  // The Postgres node still knows the clientIds Redis remembered: a retry is the same message.
  const resumed = await startTestNode({ ...SHARED, databaseUrl });
  const a = await connect(resumed.url, { session: people.ann.token });
  const { position } = await joinOk(a, 'general');
  const retry = ok(
    await request(a, 'message:send', {
      room: 'general',
      text: 'answering',
      clientId: replyClientId,
      replyTo: reply.replyTo?.id ?? '',
    }),
  );
  expect(retry.message.id).toBe(reply.id);
  expect((await joinOk(a, 'general')).position).toBe(position);
  // And a new message follows the copied ones, resumable from the copied head.
  const busyHead = cursors[5]?.split(' ')[1] ?? '';
  await joinOk(a, 'busy');
  const next = await sendOk(a, 'busy', 'after the move');
  const caughtUp = await joinOk(a, 'busy', busyHead);
  expect(caughtUp.gap).toBe(false);
  expect(caughtUp.history.map((m) => m.id)).toEqual([next.id]);
}

describe('on Redis Cluster', () => {
  const cluster = new RedisCluster();
  beforeAll(async () => {
    await cluster.start();
    for (const node of cluster.nodes) await smallStreamNodes(node.url);
  }, 60_000);
  afterAll(() => cluster.stop());

  test('every primary is read, each room and each user from its own slot', async () => {
    const databaseUrl = await postgres.database();
    const onRedis = await startTestNode({
      ...SHARED,
      redisClusterNodes: cluster.seeds,
      redisAdapter: 'sharded',
      redisPrefix: 'c:',
    });
    await carriedOver(onRedis, databaseUrl, {
      REDIS_CLUSTER_NODES: cluster.seeds,
      REDIS_URL: '',
      REDIS_PREFIX: 'c:',
      DATABASE_URL: databaseUrl,
    });
  }, 120_000);
});

test('awkward texts (a NUL, a lone surrogate, SQL) come through the migration exactly', async () => {
  const prefix = `m${prefixes++}:`;
  const databaseUrl = await postgres.database();
  const onRedis = await startTestNode({ ...SHARED, redisUrl: redis.url, redisPrefix: prefix });
  const texts = ['a\u0000b', 'lone \ud83d here', "'; DROP TABLE messages; --", '\uffffmarked'];
  const ann = await signUp(onRedis.url, 'ann');
  const dan = await signUp(onRedis.url, 'dan');
  const a = await connect(onRedis.url, { session: ann.token });
  const d = await connect(onRedis.url, { session: dan.token });
  ok(await request(a, 'room:create', { room: 'odd', topic: texts.join(' | ') }));
  await joinOk(a, 'odd');
  await joinOk(d, 'odd');
  const sent: Message[] = [];
  for (const [i, text] of texts.entries())
    sent.push(ok(await send(a, 'odd', text, `odd-${i}`)).message);
  ok(
    await request(a, 'message:edit', { room: 'odd', id: sent[0]?.id ?? '', text: texts[1] ?? '' }),
  );
  ok(
    await request(d, 'message:report', {
      room: 'odd',
      id: sent[2]?.id ?? '',
      reason: texts[0] ?? '',
    }),
  );
  ok(await request(a, 'room:ban', { room: 'odd', userId: dan.user.id, reason: texts[1] ?? '' }));
  const look = async (url: string) => {
    const s = await connect(url, { session: ann.token });
    return {
      join: recorded(await joinOk(s, 'odd')),
      reports: ok(await request(s, 'reports:list', { room: 'odd' })),
      audit: ok(await request(s, 'room:audit', { room: 'odd' })),
    };
  };
  const before = await look(onRedis.url);
  expect(before.join.history.map((m) => m.text)).toEqual([texts[1], ...texts.slice(1)]);
  expect(before.join.info.topic).toBe(texts.join(' | '));
  expect(before.reports.reports[0]?.reason).toBe(texts[0]);
  await onRedis.close();

  await migrateCommand({ REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl });
  const onPostgres = await startTestNode({ ...SHARED, databaseUrl });
  expect(await look(onPostgres.url)).toEqual(before);
  // Their clientIds are remembered too: a retry gets each message back as it is now (the
  // first one edited), its text exactly.
  const s = await connect(onPostgres.url, { session: ann.token });
  const now = (await joinOk(s, 'odd')).history;
  for (const [i, message] of sent.entries()) {
    const retried = ok(await send(s, 'odd', 'retried', `odd-${i}`)).message;
    expect(retried).toEqual(now.find((m) => m.id === message.id));
    expect(retried.text).toBe(i === 0 ? texts[1] : message.text);
  }
}, 60_000);

test('a run while the chat writes copies every message acknowledged before it began; a run after the nodes stopped copies the rest', async () => {
  const prefix = `m${prefixes++}:`;
  const databaseUrl = await postgres.database();
  const limits = { ...SHARED, historyLimit: 100_000 };
  const onRedis = await startTestNode({ ...limits, redisUrl: redis.url, redisPrefix: prefix });
  const acked: { room: string; id: string; at: number }[] = [];
  let writing = true;
  const writers = ['w0', 'w1', 'w2'].map(async (room) => {
    const socket = await connect(onRedis.url, { name: room });
    await joinOk(socket, room);
    for (let i = 0; writing; i++) {
      const message = await sendOk(socket, room, `${room} ${i}`);
      acked.push({ room, id: message.id, at: Date.now() });
      // Paced, as people chat: the run is not to race an unbounded flood.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  while (acked.length < 60) await new Promise((resolve) => setTimeout(resolve, 20));
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl };
  const began = Date.now();
  await migrateCommand(env);
  const ended = Date.now();
  const copied = await messageIds(databaseUrl);
  const before = acked.filter((a) => a.at < began);
  expect(before.filter((a) => !copied.has(`${a.room} ${a.id}`))).toEqual([]);
  // Writes went on during the run.
  expect(acked.filter((a) => a.at > began && a.at < ended).length).toBeGreaterThan(0);

  writing = false;
  await Promise.all(writers);
  await onRedis.close();
  await migrateCommand(env);
  const all = await messageIds(databaseUrl);
  expect(acked.filter((a) => !all.has(`${a.room} ${a.id}`))).toEqual([]);
  expect(all.size).toBe(acked.length);

  const onPostgres = await startTestNode({ ...limits, databaseUrl });
  const socket = await connect(onPostgres.url, { name: 'reader' });
  for (const room of ['w0', 'w1', 'w2']) {
    const mine = acked.filter((a) => a.room === room).map((a) => a.id);
    const resumed = await joinOk(socket, room, mine.at(-4));
    expect(resumed.gap).toBe(false);
    expect(resumed.history.map((m) => m.id)).toEqual(mine.slice(-3));
    expect(resumed.position).toBe(mine.at(-1));
    // The room's counters are those of the rows it holds: the next append is the next id.
    const next = await sendOk(socket, room, 'after');
    expect(next.id > (mine.at(-1) ?? '')).toBe(true);
  }
}, 60_000);

/** `<room> <id>` of every message the database holds. */
async function messageIds(databaseUrl: string): Promise<Set<string>> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    const { rows } = await client.query<{ room: string; ms: string; seq: string }>(
      'SELECT room, ms, seq FROM messages',
    );
    return new Set(rows.map((r) => `${r.room} ${r.ms}-${r.seq}`));
  } finally {
    await client.end();
  }
}
