import { Decoder } from 'socket.io-parser';
import { expect, test } from 'vitest';
import { chatParser, RESERVED_EVENT_NAMES, reservedStandIn } from '../src/socket/parser.js';

// server/src/socket/parser.ts exists because socket.io-parser refuses reserved event names
// and reads long ack ids imprecisely. If an upgrade changes that, these fail: revisit it.

const decode = (decoder: Decoder, frame: string): unknown => {
  let decoded: unknown;
  decoder.on('decoded', (packet: unknown) => {
    decoded = packet;
  });
  decoder.add(frame);
  return decoded;
};

test.each(RESERVED_EVENT_NAMES)('socket.io-parser still refuses the reserved name "%s"', (name) => {
  expect(() => decode(new Decoder(), `21${JSON.stringify([name, {}])}`)).toThrow('invalid payload');
});

test('socket.io-parser still accepts names next to the reserved ones, which need no stand-in', () => {
  for (const name of ['error', 'connection', 'Connect', 'disconnected']) {
    expect(decode(new Decoder(), `2${JSON.stringify([name])}`)).toMatchObject({ data: [name] });
  }
});

test('socket.io-parser still reads an ack id past 2^53 - 1 imprecisely', () => {
  expect(decode(new Decoder(), '29007199254740993["x"]')).toMatchObject({ id: 9007199254740992 });
});

test('the chat parser reads a reserved name as its stand-in, keeping the ack id and payload', () => {
  const decoder = new chatParser.Decoder();
  expect(decode(decoder, '21["connect",{"a":1}]')).toEqual({
    type: 2,
    nsp: '/',
    id: 1,
    data: [reservedStandIn('connect'), { a: 1 }],
  });
  expect(decode(new chatParser.Decoder(), '2/admin,7["disconnect"]')).toMatchObject({
    nsp: '/admin',
    id: 7,
    data: [reservedStandIn('disconnect')],
  });
});

test('the chat parser refuses an ack id past 2^53 - 1 and still refuses other bad packets', () => {
  expect(() => decode(new chatParser.Decoder(), '29007199254740992["x"]')).toThrow(
    'ack id out of range',
  );
  expect(decode(new chatParser.Decoder(), '29007199254740991["x"]')).toMatchObject({
    id: Number.MAX_SAFE_INTEGER,
  });
  expect(() => decode(new chatParser.Decoder(), '2{"room":"general"}')).toThrow('invalid payload');
  expect(() => decode(new chatParser.Decoder(), '2["connect",')).toThrow();
});
