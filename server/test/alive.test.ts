import { expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { connect, emitRaw, request } from './support/client.js';
import { startTestServer } from './support/server.js';

test('alive is acked at once, with `{}` or no payload; anything else is BAD_REQUEST', async () => {
  const { url } = await startTestServer();
  const alice = await connect(url, { name: 'alice' });
  expect(await request(alice, 'alive', {})).toEqual({ ok: true });
  expect(await emitRaw(alice, 'alive')).toEqual({ ok: true });
  for (const bad of ['now', 1, null, ['x']]) {
    const ack = (await emitRaw(alice, 'alive', bad)) as { ok: boolean; error?: { code: string } };
    expect(ack.ok).toBe(false);
    expect(ack.error?.code).toBe(ErrorCode.BAD_REQUEST);
  }
  alice.disconnect();
});
