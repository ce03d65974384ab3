import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ErrorCode, type Message } from '../../common/contract.js';
import { connect, joinOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

const TOKEN = 'test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

const post = (url: string, room: string, body: unknown, headers: Record<string, string> = auth) =>
  fetch(`${url}/api/rooms/${room}/messages`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('push API', () => {
  test('stores the message and broadcasts it to the room', async () => {
    const { url } = await startTestServer({ pushToken: TOKEN });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const got = waitFor<Message>(alice, 'message');
    const res = await post(url, 'general', { text: '  deploy finished  ', author: 'ci-bot' });
    expect(res.status).toBe(201);
    const { message } = (await res.json()) as { message: Message };
    expect(message).toMatchObject({
      room: 'general',
      author: { name: 'ci-bot', bot: true },
      text: 'deploy finished',
    });
    expect(await got).toEqual(message);

    const history = await fetch(`${url}/api/rooms/general/messages?limit=5`, { headers: auth });
    expect(history.status).toBe(200);
    expect(await history.json()).toEqual({ messages: [message], hasMore: false });
  });

  test('a retry with the same clientId is stored once (200 the second time)', async () => {
    const { url } = await startTestServer({ pushToken: TOKEN });
    const first = await post(url, 'general', { text: 'once', clientId: 'job-42' });
    const again = await post(url, 'general', { text: 'once', clientId: 'job-42' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
  });

  test('is off without PUSH_TOKEN, and refuses a wrong or missing token', async () => {
    const off = await startTestServer();
    const notFound = await post(off.url, 'general', { text: 'x' });
    expect(notFound.status).toBe(404);
    // One error body for every HTTP error, with the contract's codes.
    expect(await notFound.json()).toEqual({
      error: { code: ErrorCode.NOT_FOUND, message: 'not found' },
    });
    const { url } = await startTestServer({ pushToken: TOKEN });
    const wrong = await post(
      url,
      'general',
      { text: 'x' },
      { authorization: 'Bearer nope', 'content-type': 'application/json' },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    expect(await wrong.json()).toMatchObject({ error: { code: ErrorCode.UNAUTHORIZED } });
    expect(
      (await post(url, 'general', { text: 'x' }, { 'content-type': 'application/json' })).status,
    ).toBe(401);
    expect((await fetch(`${url}/api/rooms/general/messages`)).status).toBe(401);
  });

  test.each([
    ['a bad room', 'Not A Room', { text: 'x' }, 400, ErrorCode.INVALID_ROOM],
    ['empty text', 'general', { text: '   ' }, 400, ErrorCode.EMPTY_TEXT],
    ['text too long', 'general', { text: 'x'.repeat(2001) }, 400, ErrorCode.TEXT_TOO_LONG],
    ['a bad author', 'general', { text: 'x', author: 'a\u0007b' }, 400, ErrorCode.INVALID_NAME],
    ['a missing text', 'general', { author: 'x' }, 400, ErrorCode.BAD_REQUEST],
    [
      'a bad clientId',
      'general',
      { text: 'x', clientId: 'no spaces allowed' },
      400,
      ErrorCode.BAD_REQUEST,
    ],
    ['malformed JSON', 'general', '{"text":', 400, ErrorCode.BAD_REQUEST],
    ['a JSON array', 'general', '[1,2]', 400, ErrorCode.BAD_REQUEST],
  ])('%s is refused with a clear error', async (_label, room, body, status, code) => {
    const { url } = await startTestServer({ pushToken: TOKEN });
    const res = await post(url, room, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message).not.toMatch(/\n\s+at /);
  });

  test('an oversize body is refused without harm', async () => {
    const { url } = await startTestServer({ pushToken: TOKEN });
    const res = await post(url, 'general', { text: 'x'.repeat(100_000) });
    expect(res.status).toBe(400);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  test('npm run push posts from the command line', async () => {
    const { url } = await startTestServer({ pushToken: TOKEN });
    const alice = await connect(url);
    await joinOk(alice, 'ops');
    const got = waitFor<Message>(alice, 'message');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/push.ts', '--room', 'ops', '--url', url, 'hello from the CLI'],
      { env: { ...process.env, PUSH_TOKEN: TOKEN } },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      message: { room: 'ops', text: 'hello from the CLI' },
    });
    expect((await got).text).toBe('hello from the CLI');
  });
});
