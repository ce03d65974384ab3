import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ErrorCode,
  type DeletedEvent,
  type Message,
  type RequestOf,
} from '../../common/contract.js';
import {
  collect,
  connect,
  emitRaw,
  joinOk,
  request,
  roundTrip,
  sendOk,
  waitFor,
  type ChatClient,
  type Transport,
} from './support/client.js';
import { newDeployment } from './support/cluster.js';
import { spawnServer } from './support/process.js';
import { RedisProcess } from './support/redis.js';
import { startTestNode, startTestServer } from './support/server.js';

const edit = (s: ChatClient, payload: RequestOf<'message:edit'>) =>
  request(s, 'message:edit', payload);
const remove = (s: ChatClient, payload: RequestOf<'message:delete'>) =>
  request(s, 'message:delete', payload);
const react = (s: ChatClient, payload: RequestOf<'reaction:add'>, add = true) =>
  request(s, add ? 'reaction:add' : 'reaction:remove', payload);

async function room(...names: string[]) {
  // Enough burst for a test that reacts twenty times in a row.
  const { url } = await startTestServer({ messageBurst: 50 });
  const sockets: ChatClient[] = [];
  for (const name of names) {
    const s = await connect(url, { name });
    await joinOk(s, 'general');
    sockets.push(s);
  }
  return { url, sockets };
}

describe('message:edit', () => {
  test('the author edits: the ack and every other member (their other tabs too) get the whole message', async () => {
    const { url, sockets } = await room('alice', 'bob');
    const [alice, bob] = sockets as [ChatClient, ChatClient];
    const aliceTab = await connect(url, { name: 'alice' });
    await joinOk(aliceTab, 'general');
    const original = await sendOk(alice, 'general', 'helo');
    const bobGot = waitFor<Message>(bob, 'message:updated');
    const tabGot = waitFor<Message>(aliceTab, 'message:updated');
    const ack = await edit(alice, { room: 'general', id: original.id, text: ' hello ' });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.message).toMatchObject({ id: original.id, text: 'hello', author: original.author });
    expect(ack.message.editedAt).toBeGreaterThan(0);
    expect(ack.message.pos).toBeDefined();
    expect(await bobGot).toEqual({ ...ack.message, prev: original.id });
    expect(await tabGot).toEqual({ ...ack.message, prev: original.id });
    // The same text again changes nothing and tells nobody.
    const bobLater = collect<Message>(bob, 'message:updated');
    const again = await edit(alice, { room: 'general', id: original.id, text: 'hello' });
    expect(again).toEqual({ ok: true, message: ack.message });
    await roundTrip(bob);
    expect(bobLater).toEqual([]);
  });

  test('every refusal has its code; someone else’s message is NOT_ALLOWED', async () => {
    const { url, sockets } = await room('alice', 'bob');
    const [alice, bob] = sockets as [ChatClient, ChatClient];
    const m = await sendOk(alice, 'general', 'mine');
    const stranger = await connect(url, { name: 'stranger' });
    await joinOk(stranger, 'elsewhere');
    const cases: [RequestOf<'message:edit'>, ChatClient, string][] = [
      [{ room: 'general', id: m.id, text: 'hijacked' }, bob, ErrorCode.NOT_ALLOWED],
      [{ room: 'general', id: '1-0', text: 'x' }, alice, ErrorCode.NOT_FOUND],
      [{ room: 'general', id: m.id, text: '   ' }, alice, ErrorCode.EMPTY_TEXT],
      [{ room: 'general', id: m.id, text: 'x'.repeat(5000) }, alice, ErrorCode.TEXT_TOO_LONG],
      [{ room: 'general', id: m.id, text: 'x' }, stranger, ErrorCode.NOT_IN_ROOM],
      [{ room: 'elsewhere', id: m.id, text: 'x' }, stranger, ErrorCode.NOT_FOUND],
      [{ room: 'Bad Room', id: m.id, text: 'x' }, alice, ErrorCode.INVALID_ROOM],
    ];
    for (const [payload, who, code] of cases) {
      const ack = await edit(who, payload);
      expect(ack.ok ? 'ok' : ack.error.code, JSON.stringify(payload)).toBe(code);
    }
    for (const bad of [{}, { room: 'general', id: m.id }, { room: 'general', id: 7, text: 'x' }]) {
      expect(await emitRaw(alice, 'message:edit', bad)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
    const held = await request(alice, 'history:fetch', {
      room: 'general',
      before: '99999999999999-0',
    });
    expect(held.ok && held.messages.map((x) => x.text)).toEqual(['mine']);
  });
});

describe('message:delete', () => {
  test('leaves a tombstone for everyone and in history; only the author may, and only once', async () => {
    const { sockets } = await room('alice', 'bob');
    const [alice, bob] = sockets as [ChatClient, ChatClient];
    const m = await sendOk(alice, 'general', 'regrettable');
    await react(bob, { room: 'general', id: m.id, emoji: '😮' });
    expect(await remove(bob, { room: 'general', id: m.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NOT_ALLOWED },
    });
    const bobGot = waitFor<DeletedEvent>(bob, 'message:deleted');
    const ack = await remove(alice, { room: 'general', id: m.id });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.message).toMatchObject({ id: m.id, text: '', deleted: true });
    expect(ack.message.reactions).toBeUndefined();
    const event = await bobGot;
    expect(event).toMatchObject({ room: 'general', id: m.id, pos: ack.message.pos });
    expect(event.prev).toBeDefined();
    const history = await request(bob, 'history:fetch', {
      room: 'general',
      before: '99999999999999-0',
    });
    expect(history.ok && history.messages).toEqual([ack.message]);
    for (const again of [
      remove(alice, { room: 'general', id: m.id }),
      edit(alice, { room: 'general', id: m.id, text: 'back' }),
      react(bob, { room: 'general', id: m.id, emoji: '👍' }),
    ]) {
      expect(await again).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });
    }
  });
});

describe('reactions', () => {
  test('added and taken back by several people, with who reacted, on both transports', async () => {
    const { url } = await startTestServer();
    const clients: ChatClient[] = [];
    for (const [name, transport] of [
      ['alice', 'websocket'],
      ['bob', 'polling'],
      ['carol', 'websocket'],
    ] as [string, Transport][]) {
      const s = await connect(url, { name, transports: [transport] });
      await joinOk(s, 'general');
      clients.push(s);
    }
    const [alice, bob, carol] = clients as [ChatClient, ChatClient, ChatClient];
    const m = await sendOk(alice, 'general', 'ship it?');
    const seenByAlice = collect<Message>(alice, 'message:updated');
    const bobAck = await react(bob, { room: 'general', id: m.id, emoji: '👍' });
    const carolAck = await react(carol, { room: 'general', id: m.id, emoji: '👍' });
    await react(carol, { room: 'general', id: m.id, emoji: '🇫🇷' });
    expect(bobAck.ok && bobAck.message.reactions).toEqual([
      { emoji: '👍', users: [expect.objectContaining({ name: 'bob' })] },
    ]);
    expect(carolAck.ok && carolAck.message.reactions?.[0]?.users.map((u) => u.name)).toEqual([
      'bob',
      'carol',
    ]);
    const taken = await react(bob, { room: 'general', id: m.id, emoji: '👍' }, false);
    expect(taken.ok && taken.message.reactions).toEqual([
      { emoji: '👍', users: [expect.objectContaining({ name: 'carol' })] },
      { emoji: '🇫🇷', users: [expect.objectContaining({ name: 'carol' })] },
    ]);
    await roundTrip(alice);
    // Alice, the author, saw each change as it happened, in order.
    expect(seenByAlice.map((u) => u.reactions?.map((r) => r.users.length))).toEqual([
      [1],
      [2],
      [2, 1],
      [1, 1],
    ]);
  });

  test('one emoji only; at most the limit of different ones on a message', async () => {
    const { sockets } = await room('alice', 'bob');
    const [alice, bob] = sockets as [ChatClient, ChatClient];
    const m = await sendOk(alice, 'general', 'react to me');
    for (const emoji of ['a', '👍👍', '👍 ', '<script>', '', 'x'.repeat(100)]) {
      expect(
        await emitRaw(bob, 'reaction:add', { room: 'general', id: m.id, emoji }),
        emoji,
      ).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    }
    const emoji = Array.from('😀😁😂😃😄😅😆😇😈😉😊😋😌😍😎😏😐😑😒😓😔');
    for (const e of emoji.slice(0, 20)) {
      expect((await react(bob, { room: 'general', id: m.id, emoji: e })).ok).toBe(true);
    }
    expect(await react(bob, { room: 'general', id: m.id, emoji: emoji[20] ?? '' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TOO_MANY_REACTIONS },
    });
  });
});

describe('replies', () => {
  test('a reply carries a quote of the original, kept current in history; an unknown original is NOT_FOUND', async () => {
    const { url, sockets } = await room('alice', 'bob');
    const [alice, bob] = sockets as [ChatClient, ChatClient];
    const original = await sendOk(alice, 'general', `lunch? ${'.'.repeat(300)}`);
    const aliceGot = waitFor<Message>(alice, 'message');
    const ack = await request(bob, 'message:send', {
      room: 'general',
      text: 'yes',
      clientId: 'reply-1',
      replyTo: original.id,
    });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(ack.message.replyTo).toEqual({
      id: original.id,
      author: original.author,
      text: original.text.slice(0, 200),
    });
    expect((await aliceGot).replyTo).toEqual(ack.message.replyTo);
    // History shows the quote as the original is now: edited, then deleted (its words gone).
    const quoteIn = async () => {
      const page = await request(alice, 'history:fetch', {
        room: 'general',
        before: '99999999999999-0',
      });
      return page.ok ? page.messages.find((x) => x.id === ack.message.id)?.replyTo : undefined;
    };
    await request(alice, 'message:edit', { room: 'general', id: original.id, text: 'lunch at 1?' });
    expect(await quoteIn()).toEqual({
      id: original.id,
      author: original.author,
      text: 'lunch at 1?',
    });
    await request(alice, 'message:delete', { room: 'general', id: original.id });
    expect(await quoteIn()).toEqual({
      id: original.id,
      author: original.author,
      text: '',
      deleted: true,
    });
    const rejoined = await joinOk(await connect(url, { name: 'carol' }), 'general');
    expect(rejoined.history.find((x) => x.id === ack.message.id)?.replyTo?.deleted).toBe(true);
    await joinOk(bob, 'other');
    const elsewhere = await sendOk(bob, 'other', 'in another room');
    for (const replyTo of ['1-0', elsewhere.id]) {
      expect(
        await request(bob, 'message:send', {
          room: 'general',
          text: 'x',
          clientId: `r${replyTo}`,
          replyTo,
        }),
      ).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });
    }
  });
});

/** What one member holds of a room, by id, after a join and the events since. */
class View {
  readonly byId = new Map<string, Message>();
  position: string | undefined;
  constructor(readonly socket: ChatClient) {
    socket.on('message', (m) => {
      this.put(m);
    });
    socket.on('message:updated', (m) => {
      this.put(m);
    });
    socket.on('message:deleted', ({ id, pos }) => {
      const held = this.byId.get(id);
      if (held) {
        const { reactions: _r, ...rest } = held;
        this.put({ ...rest, text: '', deleted: true, pos });
      }
    });
  }
  put({ prev: _prev, ...m }: Message) {
    this.byId.set(m.id, m);
    const pos = m.pos ?? m.id;
    if (this.position === undefined || compare(pos, this.position) > 0) this.position = pos;
  }
  async join(room: string, since?: string) {
    const ack = await joinOk(this.socket, room, since);
    for (const m of ack.history) this.put(m);
    if (ack.position) this.position = ack.position;
    return ack;
  }
  sorted() {
    return [...this.byId.values()].sort((a, b) => compare(a.id, b.id));
  }
}
const compare = (a: string, b: string) => {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
};

/** While `away` is offline, others send, edit, delete and react; returns the room's messages. */
async function changeWhileAway(alice: ChatClient, bob: ChatClient, ids: string[]) {
  const [a, b, c] = ids as [string, string, string];
  const bobSaw = waitFor<Message>(bob, 'message', (m) => m.text === 'while you were away');
  expect((await edit(alice, { room: 'general', id: a, text: 'first, edited' })).ok).toBe(true);
  expect((await remove(alice, { room: 'general', id: b })).ok).toBe(true);
  expect((await react(bob, { room: 'general', id: c, emoji: '🎉' })).ok).toBe(true);
  await sendOk(alice, 'general', 'while you were away');
  expect((await react(alice, { room: 'general', id: c, emoji: '🎉' })).ok).toBe(true);
  await bobSaw;
  await roundTrip(bob);
}

describe.each(['sqlite', 'redis'] as const)('replay converges (%s)', (store) => {
  const redis = new RedisProcess();
  beforeAll(async () => {
    if (store === 'redis') await redis.start();
  });
  afterAll(async () => {
    if (store === 'redis') await redis.stop();
  });

  test('a member offline during an edit, a delete and reactions rejoins with since and holds what the others hold', async () => {
    const deployment = newDeployment();
    const options =
      store === 'redis'
        ? { redisUrl: redis.url, redisPrefix: deployment }
        : { store: 'sqlite' as const, dataDir: mkdtempSync(joinPath(tmpdir(), 'chat-replay-')) };
    const one = await startTestNode(options);
    // With Redis, the others are on a second node; with SQLite there is one node.
    const two = store === 'redis' ? await startTestNode(options) : one;
    const alice = await connect(one.url, { name: 'alice' });
    const bob = await connect(two.url, { name: 'bob', transports: ['polling'] });
    const carol = await connect(two.url, { name: 'carol' });
    const aliceView = new View(alice);
    const bobView = new View(bob);
    const carolView = new View(carol);
    await aliceView.join('general');
    await bobView.join('general');
    await carolView.join('general');
    const ids: string[] = [];
    for (const t of ['first', 'second', 'third']) ids.push((await sendOk(alice, 'general', t)).id);
    await roundTrip(carol);
    const since = carolView.position;
    carol.disconnect();

    await changeWhileAway(alice, bob, ids);

    const back = await connect(one.url, { name: 'carol' });
    const backView = new View(back);
    for (const m of carolView.sorted()) backView.put(m);
    const ack = await backView.join('general', since);
    expect(ack.gap).toBe(false);
    // In the order of their latest change.
    expect(ack.history.map((m) => m.text)).toEqual([
      'first, edited',
      '',
      'while you were away',
      'third',
    ]);
    // The same as a member who stayed (Bob, live events only) and a newcomer (history only).
    const reference = new View(await connect(two.url, { name: 'dave' }));
    await reference.join('general');
    expect(backView.sorted()).toEqual(reference.sorted());
    expect(backView.sorted()).toEqual(bobView.sorted());
    expect(backView.sorted().map((m) => [m.text, m.deleted ?? false])).toEqual([
      ['first, edited', false],
      ['', true],
      ['third', false],
      ['while you were away', false],
    ]);
    expect(backView.position).toBe(reference.position);
  });

  test('across a crash of the node: SIGKILL, then the member resumes on a node that is up', async () => {
    const deployment = newDeployment();
    const dataDir = mkdtempSync(joinPath(tmpdir(), 'chat-crash-'));
    const env: Record<string, string> =
      store === 'redis'
        ? { REDIS_URL: redis.url, REDIS_PREFIX: deployment }
        : { STORE: 'sqlite', DATA_DIR: dataDir };
    /** A node process, once it listens and (with Redis) has reached it. */
    const start = async () => {
      const proc = spawnServer(env);
      if (store === 'redis') await proc.waitForLog((l) => l.msg === 'redis up');
      return { proc, url: String((await proc.waitForLog((l) => l.msg === 'listening')).url) };
    };
    const { proc: first, url: firstUrl } = await start();
    // With Redis a second node takes over; with SQLite the node is started again on its file.
    const other = store === 'redis' ? await start() : undefined;
    const otherUrl = other?.url ?? firstUrl;
    const alice = await connect(otherUrl, { name: 'alice' });
    const carol = await connect(firstUrl, { name: 'carol' });
    const aliceView = new View(alice);
    const carolView = new View(carol);
    await aliceView.join('general');
    await carolView.join('general');
    const ids: string[] = [];
    for (const t of ['first', 'second', 'third']) ids.push((await sendOk(alice, 'general', t)).id);
    await roundTrip(carol);
    const since = carolView.position;
    const lost = waitFor(carol, 'disconnect');
    first.child.kill('SIGKILL');
    await lost;

    let resumeUrl = otherUrl;
    let writer = alice;
    if (!other) {
      resumeUrl = (await start()).url;
      writer = await connect(resumeUrl, { name: 'alice' });
      await joinOk(writer, 'general');
    }
    const bob = await connect(resumeUrl, { name: 'bob' });
    await joinOk(bob, 'general');
    await changeWhileAway(writer, bob, ids);

    const back = await connect(resumeUrl, { name: 'carol' });
    const backView = new View(back);
    for (const m of carolView.sorted()) backView.put(m);
    expect((await backView.join('general', since)).gap).toBe(false);
    const reference = new View(await connect(resumeUrl, { name: 'dave' }));
    await reference.join('general');
    expect(backView.sorted()).toEqual(reference.sorted());
    expect(backView.sorted().map((m) => m.text)).toEqual([
      'first, edited',
      '',
      'third',
      'while you were away',
    ]);
  }, 60_000);
});
