import { describe, expect, test } from 'vitest';
import type { MentionEvent, Message } from '../../common/contract.js';
import { signUp, type SignedIn } from './support/accounts.js';
import {
  collect,
  connect,
  joinOk,
  roundTrip,
  sendOk,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { startTestServer } from './support/server.js';

// A person's message (message:send) and a program's (the push API) take one path,
// messages/post.ts; these tests hold each of the options in which the two differ.

const TOKEN = 'test-token-0123456789';

const push = async (url: string, room: string, text: string): Promise<Message> => {
  const res = await fetch(`${url}/api/rooms/${room}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, author: 'ci-bot' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { message: Message }).message;
};

const as = (url: string, who: SignedIn): Promise<ChatClient> =>
  connect(url, { session: who.token });

/** The value of one Prometheus counter, from /metrics. */
async function counter(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('one path for posting, two ways in', () => {
  test('resolveMentions: a person’s @username is resolved and heard; a program’s is left as text', async () => {
    const { url } = await startTestServer({ pushToken: TOKEN, scryptCost: 10 });
    const [ann, ben] = await Promise.all([signUp(url, 'ann'), signUp(url, 'ben')]);
    const a = await as(url, ann);
    await joinOk(a, 'general');
    const benTab = await as(url, ben); // in no room: only a mention reaches him
    const mentions = collect<MentionEvent>(benTab, 'mention');

    const heard = waitFor<MentionEvent>(benTab, 'mention');
    const byPerson = await sendOk(a, 'general', 'ping @ben');
    expect(byPerson.mentions).toEqual([{ id: ben.user.id, name: 'ben', username: 'ben' }]);
    expect((await heard).message.id).toBe(byPerson.id);

    const arrived = waitFor<Message>(a, 'message');
    const byProgram = await push(url, 'general', 'ping @ben');
    expect(byProgram.mentions).toBeUndefined();
    expect((await arrived).id).toBe(byProgram.id);
    // A mention would have been sent right after the broadcast that has just arrived.
    await roundTrip(benTab);
    expect(mentions.map((m) => m.message.id)).toEqual([byPerson.id]);
  });

  test('sender: a connection’s post skips that connection only; a program’s reaches everyone in the room', async () => {
    const { url, metricsUrl } = await startTestServer({ pushToken: TOKEN });
    const writer = await connect(url);
    const reader = await connect(url);
    for (const socket of [writer, reader]) await joinOk(socket, 'general');
    const toWriter = collect<Message>(writer, 'message');
    const delivered = 'chat_messages_delivered_total';

    const before = await counter(metricsUrl, delivered);
    const readerGot = waitFor<Message>(reader, 'message');
    const sent = await sendOk(writer, 'general', 'from a person');
    expect((await readerGot).id).toBe(sent.id);
    await roundTrip(writer);
    expect(toWriter).toEqual([]); // its ack carried the message
    expect(await counter(metricsUrl, delivered)).toBe(before + 1);

    const both = Promise.all([
      waitFor<Message>(writer, 'message'),
      waitFor<Message>(reader, 'message'),
    ]);
    const pushed = await push(url, 'general', 'from a program');
    expect((await both).map((m) => m.id)).toEqual([pushed.id, pushed.id]);
    expect(await counter(metricsUrl, delivered)).toBe(before + 3);
  });
});
