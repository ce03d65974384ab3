import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { toFailure } from '../src/errors.js';
import { StoreUnavailableError } from '../src/storage/unavailable.js';

/** A pino logger whose lines the test reads back. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

test('a store that cannot be reached is UNAVAILABLE to the client and one line without a stack in the log', async () => {
  const { logger, lines } = capture();
  const failure = toFailure(
    new StoreUnavailableError(new Error('CLUSTERDOWN The cluster is down')),
    logger,
    { event: 'message:send' },
  );
  expect(failure).toEqual({
    ok: false,
    error: { code: ErrorCode.UNAVAILABLE, message: 'storage is unavailable; retry shortly' },
  });
  await new Promise((resolve) => setImmediate(resolve));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({
    level: 40,
    msg: 'storage unavailable',
    event: 'message:send',
    cause: 'CLUSTERDOWN The cluster is down',
  });
  expect(lines[0]).not.toHaveProperty('err');
  expect(JSON.stringify(lines[0])).not.toContain('stack');
});

test('anything unexpected is INTERNAL to the client and logged with its stack', async () => {
  const { logger, lines } = capture();
  const failure = toFailure(new TypeError('boom'), logger, { event: 'message:send' });
  expect(failure).toMatchObject({ ok: false, error: { code: ErrorCode.INTERNAL } });
  expect(JSON.stringify(failure)).not.toContain('boom');
  await new Promise((resolve) => setImmediate(resolve));
  expect(lines[0]).toMatchObject({ level: 50, msg: 'request failed' });
  expect(JSON.stringify(lines[0])).toContain('TypeError: boom');
});
