import { pino } from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { Message } from '../../common/contract.js';
import { createMemoryAccounts } from '../../server/src/accounts/memory-store.js';
import { createServer } from '../../server/src/app.js';
import { createMemoryHistoryStore } from '../../server/src/messages/memory-store.js';
import type { HistoryStore } from '../../server/src/messages/store.js';
import { apiRequest } from '../../server/test/support/accounts.js';
import { noticeText, sessionEndText } from '../src/ui/notice-text.js';
import {
  connect,
  identity,
  joinOk,
  roundTrip,
  sendOk,
  type Transport,
} from '../../server/test/support/client.js';
import { startTestServer, testConfig } from '../../server/test/support/server.js';
import { Chat } from '../src/model/chat.js';
import { ChatUser } from './support/chat-user.js';
import { ManualScheduler } from './support/manual-scheduler.js';

// The browser client's core, driven outside the browser against a real server on port 0.

/** What the server stored in `room`, oldest first, read by a fresh client. */
async function stored(url: string, room: string): Promise<string[]> {
  const reader = await connect(url, { name: 'reader' });
  const joined = await joinOk(reader, room);
  reader.disconnect();
  return joined.history.map((m) => m.text);
}

const texts = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);

describe.each<Transport>(['websocket', 'polling'])('over %s', (transport) => {
  test('two users chat: each message shown once, in order, to both; presence lists both', async () => {
    const { url } = await startTestServer();
    const alice = new ChatUser(url, await identity(url, 'alice'), 'general', {
      transports: [transport],
    });
    await alice.ready();
    const bob = new ChatUser(url, await identity(url, 'bob'), 'general', {
      transports: [transport],
    });
    await bob.ready();
    await alice.until(() => alice.members.size === 2);

    for (const text of ['one', 'two', 'three']) alice.send(text);
    await alice.settled();
    const ids = alice.acked.map((m) => m.id);
    await bob.hasShown(ids);
    expect([...bob.shown.values()].map((m) => m.text)).toEqual(['one', 'two', 'three']);
    expect([...alice.shown.keys()]).toEqual(ids);
    expect(alice.chat.transport).toBe(transport);
    expect([...bob.members.values()].map((m) => m.name).sort()).toEqual(['alice', 'bob']);
  });

  test('a burst past the rate limit is stored in the order it was typed', async () => {
    // Production limits: 5 messages a second, 10 at once. 25 typed at once must wait.
    const { url } = await startTestServer();
    const alice = new ChatUser(url, await identity(url, 'alice'), 'general', {
      transports: [transport],
      outbox: { retryDelayMs: () => 250 },
    });
    await alice.ready();
    const typed = texts('m', 25);
    for (const text of typed) alice.send(text);
    await alice.settled();
    expect(alice.acked.map((m) => m.text)).toEqual(typed);
    expect(alice.chat.outbox).toEqual([]);
    expect(await stored(url, 'general')).toEqual(typed);
  });

  test('sends cut by a dropped connection, and sends queued while it is down, keep their order', async () => {
    const { url, server } = await startTestServer();
    const alice = new ChatUser(url, await identity(url, 'alice'), 'general', {
      transports: [transport],
    });
    await alice.ready();
    const typed = texts('m', 30);
    for (const text of typed.slice(0, 20)) alice.send(text);
    await alice.ackedAtLeast(5);
    // The network drops: the server closes the transport without a goodbye.
    server.io
      .of('/')
      .sockets.get(alice.chat.socketId ?? '')
      ?.conn.close();
    await alice.until(() => alice.disconnectedAt.length === 1);
    for (const text of typed.slice(20)) alice.send(text);
    await alice.settled();
    expect(alice.connectedAt).toHaveLength(2);
    expect(alice.acked.map((m) => m.text)).toEqual(typed);
    expect(await stored(url, 'general')).toEqual(typed);
  });
});

test('after a server restart the client reconnects, rejoins, reports the gap and sends what waited', async () => {
  const config = testConfig();
  const logger = pino({ level: 'silent' });
  // History in memory (lost on restart), but accounts and sessions kept, as a real store does.
  const accounts = createMemoryAccounts();
  const first = createServer(config, { logger, accounts });
  const { port, url } = await first.listen();
  onTestFinished(() => first.close());
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  await alice.ready();
  alice.send('before');
  await alice.settled();

  await first.close();
  await alice.until(() => alice.disconnectedAt.length === 1);
  alice.send('while down');
  const second = createServer({ ...config, port }, { logger, accounts });
  onTestFinished(() => second.close());
  await second.listen();
  await alice.settled();

  expect(alice.acked.map((m) => m.text)).toEqual(['before', 'while down']);
  // The in-memory store started empty: the client cannot be told what it missed.
  expect(alice.gaps).toBe(1);
  const warnings = alice.chat.rooms
    .get('general')
    ?.timeline.items.filter((i) => i.kind === 'notice' && i.tone === 'warning');
  expect(warnings).toHaveLength(1);
  // It says what happened: the server lost its history, not that too much was posted.
  const warning = warnings?.[0];
  expect(warning?.kind === 'notice' ? noticeText(warning.notice) : '').toContain(
    'no longer has the history',
  );
  expect(await stored(url, 'general')).toEqual(['while down']);
});

test('typing indicators expire on the chat’s own clock; stop() leaves no timer behind', async () => {
  const { url } = await startTestServer();
  const clock = new ManualScheduler();
  const who = await identity(url, 'bob');
  const bob = new Chat({
    url,
    user: who.member,
    auth: { session: who.token },
    rooms: ['general'],
    current: 'general',
    scheduler: clock,
  });
  onTestFinished(() => {
    bob.stop();
  });
  bob.start();
  const ready = bob.ready();
  const alice = await connect(url, { name: 'alice' });
  await joinOk(alice, 'general');
  await ready;

  const typing = bob.until(() => (bob.currentRoom?.presence.typing.size ?? 0) === 1);
  // Typing is volatile: a polling transport may drop one, so it is repeated until seen.
  const repeat = setInterval(() => alice.emit('typing', { room: 'general', typing: true }), 50);
  await typing.finally(() => {
    clearInterval(repeat);
  });
  clock.advance(4999);
  expect(bob.currentRoom?.presence.typing.size).toBe(1);
  clock.advance(1);
  expect(bob.currentRoom?.presence.typing.size).toBe(0);

  expect(bob.pendingTimers).toBeGreaterThan(0); // the directory refresh, at least
  bob.stop();
  expect(bob.pendingTimers).toBe(0);
});

test('a hidden page counts unread messages in the room in view; showing it clears them', async () => {
  const { url } = await startTestServer();
  const bob = new ChatUser(url, await identity(url, 'bob'), 'general', { visible: false });
  await bob.ready();
  const alice = await connect(url, { name: 'alice' });
  await joinOk(alice, 'general');
  const sent: Message[] = [
    await sendOk(alice, 'general', 'a'),
    await sendOk(alice, 'general', 'b'),
  ];
  await bob.hasShown(sent.map((m) => m.id));
  expect(bob.chat.currentRoom?.unread).toBe(2);
  bob.chat.setVisible(true);
  expect(bob.chat.currentRoom?.unread).toBe(0);
});

describe('the end of a session', () => {
  test('a sign-out elsewhere stops the chat with a reason, and it does not reconnect', async () => {
    const { url, server } = await startTestServer();
    const who = await identity(url, 'kim');
    const kim = new ChatUser(url, who, 'general');
    await kim.ready();
    const signedOut = new Promise<string>((resolve) => {
      kim.chat.subscribe((event) => {
        if (event.type === 'signed-out') resolve(`${event.reason}: ${sessionEndText(event)}`);
      });
    });
    await apiRequest(url, 'POST', '/api/auth/logout', undefined, { cookie: who.cookie });
    expect(await signedOut).toBe('logout: You were signed out.');
    expect(kim.chat.signedOut && sessionEndText(kim.chat.signedOut)).toBe('You were signed out.');
    expect(kim.chat.pendingTimers).toBe(0);
    // Nothing tries to come back: the server holds no connection of that user.
    await roundTrip(await connect(url, { name: 'other' }));
    expect(server.io.of('/').sockets.size).toBe(1);
  });

  test('a handshake refused as unauthorised stops the chat too, with the server’s sentence', async () => {
    const { url } = await startTestServer();
    const chat = new Chat({
      url,
      user: { id: 'nobody', name: 'Nobody' },
      auth: { session: 'not-a-session' },
      rooms: ['general'],
      current: 'general',
    });
    onTestFinished(() => {
      chat.stop();
    });
    const signedOut = new Promise<string>((resolve) => {
      chat.subscribe((event) => {
        if (event.type === 'signed-out') resolve(sessionEndText(event));
      });
    });
    chat.start();
    expect(await signedOut).toBe('the session has ended; sign in again');
  });
});

/** History whose replays (`after`) wait while the gate is closed: a slow join, on demand. */
function gatedHistory(inner: HistoryStore) {
  let closed = false;
  const waiting: (() => void)[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  const store: HistoryStore = {
    ...inner,
    append: (input) => inner.append(input),
    latest: (room, limit) => inner.latest(room, limit),
    before: (room, id, limit) => inner.before(room, id, limit),
    rooms: () => inner.rooms(),
    close: () => inner.close(),
    async after(room, id) {
      if (closed) {
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          for (const w of watchers.filter((x) => waiting.length >= x.n)) {
            watchers.splice(watchers.indexOf(w), 1);
            w.resolve();
          }
        });
      }
      return inner.after(room, id);
    },
  };
  return {
    store,
    close: () => {
      closed = true;
    },
    open: () => {
      closed = false;
      for (const resolve of waiting.splice(0)) resolve();
    },
    /** Resolves once `n` replays are held at the gate. */
    waiting: (n: number) =>
      waiting.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => watchers.push({ n, resolve })),
  };
}

test('a join whose ack is late is retried from where it started, not from the live messages that came meanwhile', async () => {
  let now = Date.now();
  const gate = gatedHistory(
    createMemoryHistoryStore({ limit: 1000, dedupTtlMs: 600_000, now: () => now }),
  );
  const { url, server } = await startTestServer({}, { history: gate.store, now: () => now });
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general', { ackTimeoutMs: 300 });
  await alice.ready();
  const bob = await connect(url, { name: 'bob' });
  await joinOk(bob, 'general');
  const m0 = await sendOk(bob, 'general', 'm0');
  await alice.hasShown([m0.id]);

  // A message alice never got live (its broadcast lost), stored 5 s later.
  now += 5000;
  const missed = await gate.store.append({
    room: 'general',
    author: { id: 'bot:monitor', name: 'monitor', bot: true },
    text: 'missed',
    clientId: 'missed',
    origin: 'test',
  });
  // Her connection drops; her rejoin (since m0) is slow to be answered.
  gate.close();
  server.io
    .of('/')
    .sockets.get(alice.chat.socketId ?? '')
    ?.conn.close();
  await gate.waiting(1);
  // Meanwhile live messages reach her, more than the resume margin apart.
  const live = [];
  for (const [at, text] of [
    [10_000, 'm1'],
    [11_000, 'm2'],
    [20_000, 'm3'],
  ] as const) {
    now = m0.ts + at;
    live.push(await sendOk(bob, 'general', text));
  }
  await alice.hasShown(live.map((m) => m.id));
  // Her ack times out and she retries: from m0 still, so the replay brings what she missed.
  await gate.waiting(2);
  gate.open();
  await alice.hasShown([missed.message.id]);
  expect(alice.gaps).toBe(0);
  expect([...alice.shown.values()].map((m) => m.text)).toEqual(['m0', 'missed', 'm1', 'm2', 'm3']);
});

test('a broadcast that never arrived is fetched as soon as the next one names it', async () => {
  const history = createMemoryHistoryStore({ limit: 1000, dedupTtlMs: 600_000 });
  const { url } = await startTestServer({}, { history });
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  await alice.ready();
  const bob = await connect(url, { name: 'bob' });
  await joinOk(bob, 'general');
  const first = await sendOk(bob, 'general', 'first');
  await alice.hasShown([first.id]);
  // Stored, acknowledged, but its broadcast lost on the way (as when a node's Redis link
  // was down): alice never hears of it live.
  const lost = await history.append({
    room: 'general',
    author: { id: 'bot:monitor', name: 'monitor', bot: true },
    text: 'lost on the way',
    clientId: 'lost',
    origin: 'elsewhere',
  });
  const next = await sendOk(bob, 'general', 'next');
  // `next` names `lost` as its predecessor: alice sees the hole and catches up.
  await alice.hasShown([next.id, lost.message.id]);
  expect([...alice.shown.values()].map((m) => m.text)).toEqual([
    'first',
    'lost on the way',
    'next',
  ]);
  expect(alice.gaps).toBe(0);
});

test('a change whose broadcast never arrived is fetched once the next change names it', async () => {
  const history = createMemoryHistoryStore({ limit: 1000, dedupTtlMs: 600_000 });
  const { url } = await startTestServer({}, { history });
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  await alice.ready();
  const bob = await connect(url, { name: 'bob' });
  await joinOk(bob, 'general');
  const first = await sendOk(bob, 'general', 'frist');
  await alice.hasShown([first.id]);
  // Bob's edit is stored, but its broadcast is lost on the way.
  const bobId = first.author.id;
  await history.change('general', first.id, { kind: 'edit', by: bobId, text: 'first', at: 1 });
  const next = await sendOk(bob, 'general', 'next');
  await alice.hasShown([next.id]);
  await alice.until(() => alice.shown.get(first.id)?.text === 'first', 15_000, 'the edit');
  expect(alice.gaps).toBe(0);
});

test('edit, delete, react and reply through the client: the other user sees each, on both transports', async () => {
  const { url } = await startTestServer();
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general', {
    transports: ['websocket'],
  });
  const bob = new ChatUser(url, await identity(url, 'bob'), 'general', {
    transports: ['polling'],
  });
  await Promise.all([alice.ready(), bob.ready()]);
  alice.send('helo');
  alice.send('to be deleted');
  await alice.settled();
  const [typo, doomed] = alice.acked;
  if (!typo || !doomed) throw new Error('not sent');
  await bob.hasShown([typo.id, doomed.id]);

  expect(await alice.chat.edit('general', typo.id, 'hello')).toBeUndefined();
  await bob.until(() => bob.shown.get(typo.id)?.text === 'hello', 15_000, 'the edit');
  expect(bob.shown.get(typo.id)?.editedAt).toBeDefined();
  // Bob may not change Alice's message; the client says why.
  expect(await bob.chat.edit('general', typo.id, 'hijacked')).toMatch(/author/);

  expect(await bob.chat.toggleReaction('general', typo.id, '👍')).toBeUndefined();
  await alice.until(() => alice.shown.get(typo.id)?.reactions?.[0]?.users.length === 1);
  // Toggling again takes it back.
  expect(await bob.chat.toggleReaction('general', typo.id, '👍')).toBeUndefined();
  await alice.until(() => alice.shown.get(typo.id)?.reactions === undefined);

  expect(await alice.chat.deleteMessage('general', doomed.id)).toBeUndefined();
  await bob.until(() => bob.shown.get(doomed.id)?.deleted === true, 15_000, 'the deletion');
  expect(bob.shown.get(doomed.id)?.text).toBe('');

  bob.chat.send('hi!', 'general', typo.id);
  await bob.settled();
  const reply = bob.acked.at(-1);
  expect(reply?.replyTo).toMatchObject({ id: typo.id, text: 'hello' });
  await alice.hasShown([reply?.id ?? '']);
  expect(alice.shown.get(reply?.id ?? '')?.replyTo?.id).toBe(typo.id);
  // Both hold the same room, message for message.
  expect([...bob.shown.values()]).toEqual([...alice.shown.values()]);
});

test('a direct conversation: counted on the other side before it is opened, then joined with its history', async () => {
  const { url } = await startTestServer();
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  const bobId = await identity(url, 'bob');
  const bob = new ChatUser(url, bobId, 'general');
  await Promise.all([alice.ready(), bob.ready()]);
  expect(await alice.chat.openDirect([bobId.member.id])).toBeUndefined();
  const room = alice.chat.current ?? '';
  expect(room).toMatch(/^dm-/);
  await alice.until(() => alice.chat.rooms.get(room)?.joined === true);
  alice.chat.send('psst, bob', room);
  alice.chat.send('@bob are you there?', room);
  await alice.settled();

  // Bob never opened it: it is listed, with who is in it and what is unread.
  await bob.until(() => bob.chat.rooms.get(room)?.unread === 2, 15_000, 'the unread count');
  const conversation = bob.chat.rooms.get(room);
  await bob.until(() => (conversation?.participants.length ?? 0) === 2);
  expect(conversation?.kind).toBe('direct');
  expect(conversation?.title(bobId.member.id)).toBe('alice');
  expect(conversation?.joined).toBe(false);

  bob.chat.select(room);
  await bob.until(() => conversation?.timeline.messageCount === 2, 15_000, 'the history');
  expect(conversation?.unread).toBe(0);
  expect(conversation?.dividerAt).toBe(alice.acked[0]?.id);
});

test('read state follows the user: reading on one device clears the other, and a new one starts clear', async () => {
  const { url } = await startTestServer();
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  const bobId = await identity(url, 'bob');
  const laptop = new ChatUser(url, bobId, 'general');
  const phone = new ChatUser(url, bobId, 'general');
  await Promise.all([alice.ready(), laptop.ready(), phone.ready()]);
  laptop.chat.setVisible(false);
  phone.chat.setVisible(false);
  alice.send('one');
  alice.send('two');
  await alice.settled();
  await laptop.hasShown(alice.acked.map((m) => m.id));
  await phone.hasShown(alice.acked.map((m) => m.id));
  const general = (u: ChatUser) => u.chat.rooms.get('general');
  expect(general(phone)?.unread).toBe(2);

  // Bob looks at his laptop: the phone clears too.
  laptop.chat.setVisible(true);
  await phone.until(() => general(phone)?.unread === 0, 15_000, 'the phone clearing');
  // A device that connects later asks the server and agrees.
  const tablet = new ChatUser(url, bobId, 'general');
  tablet.chat.setVisible(false);
  await tablet.ready();
  await tablet.until(() => general(tablet)?.readUpTo === alice.acked[1]?.id, 15_000, 'the marker');
  expect(general(tablet)?.unread).toBe(0);
});
