import { expect, test } from 'vitest';
import { identity } from '../../server/test/support/client.js';
import { startTestServer } from '../../server/test/support/server.js';
import { ConnectionState } from '../src/model/connection-state.js';
import { ChatUser } from './support/chat-user.js';
import { ManualScheduler } from './support/manual-scheduler.js';

// The connection's state as the status bar shows it, when the network goes away: reported by
// the browser (`setOnline`), or silently (the `alive` check on the chat's own clock).

test('offline from the browser: offline at once, a message waits, online sends it once', async () => {
  const { url } = await startTestServer();
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  const bob = new ChatUser(url, await identity(url, 'bob'), 'general');
  await alice.ready();
  await bob.ready();

  alice.chat.setOnline(false);
  expect(alice.chat.connection).toBe(ConnectionState.offline);
  alice.send('typed offline');
  expect(alice.chat.outbox.map((m) => [m.text, m.status])).toEqual([['typed offline', 'pending']]);
  // Still offline a moment later: nothing reconnects behind the browser's back.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(alice.chat.connection).toBe(ConnectionState.offline);
  expect(alice.chat.outbox).toHaveLength(1);

  alice.chat.setOnline(true);
  expect(alice.chat.connection).toBe(ConnectionState.reconnecting);
  await alice.settled();
  expect(alice.chat.connection).toBe(ConnectionState.connected);
  await bob.until(() => [...bob.shown.values()].some((m) => m.text === 'typed offline'));
  alice.send('after');
  await alice.settled();
  await bob.until(() => [...bob.shown.values()].some((m) => m.text === 'after'));
  expect([...bob.shown.values()].map((m) => m.text)).toEqual(['typed offline', 'after']);
  expect(alice.acked.map((m) => m.text)).toEqual(['typed offline', 'after']);
});

test('a link that stops answering is closed by the liveness check within its interval and timeout', async () => {
  const { url, server } = await startTestServer();
  const clock = new ManualScheduler();
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general', { scheduler: clock });
  await alice.ready();
  const first = alice.chat.socketId ?? '';

  // An answered check changes nothing.
  clock.advance(3000);
  await alice.until(() => !hasWait(alice));
  clock.advance(3000);
  expect(alice.chat.connection).toBe(ConnectionState.connected);
  await alice.until(() => !hasWait(alice));

  // The server goes deaf to this connection, while its transport stays open: what the
  // browser does not report, and Engine.IO's heartbeat would notice only after 45 s.
  server.io.of('/').sockets.get(first)?.offAny();
  clock.advance(3000); // the next check goes out
  alice.send('typed on a dead link');
  clock.advance(4999);
  expect(alice.chat.connection).toBe(ConnectionState.connected);
  expect(alice.disconnectedAt).toHaveLength(0);
  clock.advance(1);
  // Judged once what already arrived is read, then closed; the transport says goodbye
  // within a turn or two.
  await alice.until(() => alice.disconnectedAt.length === 1);
  expect(alice.chat.connection).not.toBe(ConnectionState.offline);

  // socket.io-client reconnects by itself; what waited goes once.
  await alice.settled();
  expect(alice.chat.connection).toBe(ConnectionState.connected);
  expect(alice.chat.socketId).not.toBe(first);
  expect(alice.acked.map((m) => m.text)).toEqual(['typed on a dead link']);
});

/** Whether an `alive` check waits for its ack (its timeout is one of the chat's timers). */
function hasWait(user: ChatUser): boolean {
  return (user.chat as unknown as { livenessWait?: unknown }).livenessWait !== undefined;
}
