import { readFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import { describe, expect, onTestFinished, test } from 'vitest';
import { ClientEvent, ErrorCode, ServerEvent } from '../../common/contract.js';
import { createMemoryAccounts } from '../src/accounts/memory-store.js';
import { startTestServer } from './support/server.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md', () => {
  test.each(Object.values(ClientEvent))('documents the client event %s', (event) => {
    expect(doc).toContain(`### \`${event}\``);
  });

  test.each(Object.values(ServerEvent))('documents the server event %s', (event) => {
    expect(doc).toContain(`**\`${event}\`**`);
  });

  test.each(Object.values(ErrorCode))('documents the error code %s', (code) => {
    expect(doc).toMatch(new RegExp(`\\| \`${code}\` +\\|`));
  });
});

// What follows is a client written from docs/protocol.md alone: its own types, socket.io-client
// untyped, and the recovery recipe of section 6. It imports nothing from the server.
type Message = {
  id: string;
  room: string;
  author: { id: string; name: string };
  text: string;
  ts: number;
};
type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };
type JoinAck = Ack<{ history: Message[]; hasMore: boolean; gap: boolean }>;

class DocClient {
  readonly shown: Message[] = [];
  readonly gaps: string[] = [];
  private readonly newest = new Map<string, string>();
  private readonly rooms = new Set<string>();
  readonly socket: Socket;
  private joinedListeners: (() => void)[] = [];

  /** Section 8: a guest sign-in; the session cookie is what the handshake then carries. */
  static async signIn(url: string, name: string): Promise<string> {
    const res = await fetch(`${url}/api/auth/guest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    if (res.status !== 201) throw new Error(`guest sign-in: ${res.status}`);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
    if (!cookie) throw new Error('no session cookie');
    return cookie.slice(0, cookie.indexOf(';'));
  }

  /** `cookie`: `chat_session=…`, sent as a browser would (section 1). */
  constructor(url: string, cookie: string, transports?: string[]) {
    this.socket = io(url, {
      extraHeaders: { cookie },
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
      ...(transports ? { transports } : {}),
    });
    this.socket.on('message', (m: Message) => {
      this.show(m);
    });
    // Section 6, step 2: on every (re)connection, join each room with `since`.
    this.socket.on('connect', () => {
      void Promise.all([...this.rooms].map((room) => this.join(room))).then(() => {
        for (const listener of this.joinedListeners.splice(0)) listener();
      });
    });
    onTestFinished(() => {
      this.socket.disconnect();
    });
  }

  /** Resolves once every room is (re)joined after the next connection. */
  nextJoined(): Promise<void> {
    return new Promise((resolve) => this.joinedListeners.push(resolve));
  }

  async join(room: string): Promise<JoinAck> {
    this.rooms.add(room);
    const since = this.newest.get(room);
    const ack = (await this.socket
      .timeout(5000)
      .emitWithAck('room:join', since === undefined ? { room } : { room, since })) as JoinAck;
    if (ack.ok) {
      if (ack.gap) {
        this.gaps.push(room);
        this.newest.delete(room);
      }
      ack.history.forEach((m) => {
        this.show(m);
      });
    }
    return ack;
  }

  async send(room: string, text: string): Promise<Message> {
    const ack = (await this.socket
      .timeout(5000)
      .emitWithAck('message:send', { room, text, clientId: crypto.randomUUID() })) as Ack<{
      message: Message;
    }>;
    if (!ack.ok) throw new Error(ack.error.code);
    this.show(ack.message);
    return ack.message;
  }

  private show(m: Message) {
    this.newest.set(m.room, m.id);
    if (!this.shown.some((s) => s.id === m.id)) this.shown.push(m);
  }

  texts(): string[] {
    return this.shown.map((m) => m.text);
  }

  waitForText(text: string): Promise<void> {
    if (this.texts().includes(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (m: Message) => {
        if (m.text !== text) return;
        this.socket.off('message', check);
        resolve();
      };
      this.socket.on('message', check);
    });
  }
}

const connected = (c: DocClient) =>
  c.socket.connected
    ? Promise.resolve()
    : new Promise<void>((r) =>
        c.socket.once('connect', () => {
          r();
        }),
      );

test('a client written from the document joins, sees history, chats with a polling client and recovers what it missed', async () => {
  const { url } = await startTestServer();
  const poller = new DocClient(url, await DocClient.signIn(url, 'paula'), ['polling']);
  await connected(poller);
  await poller.join('general');
  await poller.send('general', 'before anyone came');

  // The default transport: polling, then an upgrade that carries the cookie too.
  const doc = new DocClient(url, await DocClient.signIn(url, 'dora'));
  await connected(doc);
  const joined = await doc.join('general');
  expect(joined).toMatchObject({ ok: true, gap: false });
  expect(doc.texts()).toEqual(['before anyone came']);

  const heard = poller.waitForText('hello paula');
  await doc.send('general', 'hello paula');
  await heard;
  const answered = doc.waitForText('hi dora');
  await poller.send('general', 'hi dora');
  await answered;

  // The network drops: the engine closes without a disconnect packet, as on a real outage.
  const rejoined = doc.nextJoined();
  const down = new Promise<void>((r) =>
    doc.socket.once('disconnect', () => {
      r();
    }),
  );
  doc.socket.io.engine.close();
  await down;
  for (const text of ['missed 1', 'missed 2', 'missed 3']) await poller.send('general', text);
  await rejoined;
  // Had the reconnection beaten the sends, the rest arrive live rather than in the join ack.
  await doc.waitForText('missed 3');

  expect(doc.texts()).toEqual([
    'before anyone came',
    'hello paula',
    'hi dora',
    'missed 1',
    'missed 2',
    'missed 3',
  ]);
  expect(doc.gaps).toEqual([]);
});

test('the same client learns that continuity was lost when the server lost its history', async () => {
  // History in memory (lost on restart); accounts kept, as the SQLite or Redis store keeps them.
  const accounts = createMemoryAccounts();
  const first = await startTestServer({}, { accounts });
  const doc = new DocClient(first.url, await DocClient.signIn(first.url, 'dora'), ['websocket']);
  await connected(doc);
  await doc.join('general');
  await doc.send('general', 'said before the restart');
  const rejoined = doc.nextJoined();
  await first.server.close();

  // The server comes back on the same port with an empty in-memory store.
  const second = await startTestServer({ port: first.port }, { accounts });
  const other = new DocClient(second.url, await DocClient.signIn(second.url, 'olga'), [
    'websocket',
  ]);
  await connected(other);
  await other.join('general');
  await other.send('general', 'said after the restart');
  // Meanwhile the first client's own reconnection loop finds the server again.
  await rejoined;
  await doc.waitForText('said after the restart');
  expect(doc.gaps).toEqual(['general']);
  expect(doc.texts()).toEqual(['said before the restart', 'said after the restart']);
});
