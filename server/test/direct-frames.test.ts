import { expect, test } from 'vitest';
import type { Message } from '../src/contract.js';
import { collect, connect, joinOk, roundTrip, sendOk, type ChatClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/server.js';

// Bursts of sends well above the per-connection limits, which are not what is tested here.
const unlimited = {
  messageRatePerSec: 1000,
  messageBurst: 1000,
  eventRatePerSec: 1000,
  eventBurst: 1000,
};

/** Counts, on the server side of `name`'s connection, the chat messages Engine.IO packetised. */
function packetisedMessages(server: TestServer, name: string): () => number {
  const socket = [...server.server.io.of('/').sockets.values()].find(
    (s) => s.data.member.name === name,
  );
  if (!socket) throw new Error(`no server socket for ${name}`);
  let count = 0;
  socket.conn.on('packetCreate', (packet: { data?: unknown }) => {
    if (typeof packet.data === 'string' && packet.data.startsWith('2["message"')) count++;
  });
  return () => count;
}

async function received(client: ChatClient, got: Message[], count: number): Promise<void> {
  while (got.length < count) await roundTrip(client);
}

test('broadcasts reach WebSocket clients as direct frames and polling clients as packets, in order', async () => {
  const server = await startTestServer(unlimited);
  const alice = await connect(server.url, { name: 'alice' });
  const ws = await connect(server.url, { name: 'ws' });
  const polling = await connect(server.url, { name: 'polling', transports: ['polling'] });
  for (const c of [alice, ws, polling]) await joinOk(c, 'general');
  const wsPackets = packetisedMessages(server, 'ws');
  const pollingPackets = packetisedMessages(server, 'polling');
  const wsGot = collect<Message>(ws, 'message');
  const pollingGot = collect<Message>(polling, 'message');

  const sent: string[] = [];
  for (let i = 0; i < 20; i++) sent.push((await sendOk(alice, 'general', `m${i}`)).id);
  await received(ws, wsGot, 20);
  await received(polling, pollingGot, 20);

  expect(wsGot.map((m) => m.id)).toEqual(sent);
  expect(pollingGot.map((m) => m.id)).toEqual(sent);
  // The WebSocket client's copies skipped Engine.IO's packet path; the polling client's did not.
  expect(wsPackets()).toBe(0);
  expect(pollingPackets()).toBe(20);
});

test('a client that upgrades from polling while messages flow gets each one once, in order', async () => {
  const server = await startTestServer(unlimited);
  const alice = await connect(server.url, { name: 'alice' });
  await joinOk(alice, 'general');
  // Default transports: polling first, then the upgrade to WebSocket.
  const bob = await connect(server.url, { name: 'bob', transports: ['polling', 'websocket'] });
  const bobGot = collect<Message>(bob, 'message');
  await joinOk(bob, 'general');
  const engine = bob.io.engine;
  const upgraded =
    engine.transport.name === 'websocket'
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          engine.once('upgrade', () => {
            resolve();
          });
        });

  const sends: Promise<Message>[] = [];
  for (let i = 0; i < 60; i++) sends.push(sendOk(alice, 'general', `m${i}`));
  const sent = (await Promise.all(sends)).map((m) => m.id);
  await upgraded;
  for (let i = 60; i < 80; i++) sent.push((await sendOk(alice, 'general', `m${i}`)).id);
  await received(bob, bobGot, 80);

  expect(bob.io.engine.transport.name).toBe('websocket');
  expect(bobGot.map((m) => m.id)).toEqual(sent);
});
