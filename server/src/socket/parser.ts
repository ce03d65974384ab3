import { Decoder, Encoder } from 'socket.io-parser';

/**
 * Socket.IO's own packet parser, with two rules of the protocol document (section 1, "On the
 * wire") that it does not keep by itself:
 *
 * - An event named like one of Socket.IO's reserved events (`connect`, `disconnect`…) is an
 *   unknown event like any other: answered BAD_REQUEST when it carries an ack, ignored
 *   without. socket.io-parser refuses such a packet as malformed, which closes the
 *   connection; here it is read again under a name no handler has.
 * - An ack id is an integer up to 2^53 − 1. socket.io-parser reads a longer one as an
 *   imprecise number and the answer would carry an altered id (or `1e+21`, which no parser
 *   reads): such a packet is malformed, and closes the connection as any other does.
 *
 * `parser.test.ts` fails if socket.io-parser changes either behaviour.
 */

/** socket.io-parser's reserved event names (its RESERVED_EVENTS, which it does not export). */
export const RESERVED_EVENT_NAMES: readonly string[] = [
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
];

/** What a reserved name is read as: not a client event, so dispatch answers "unknown event". */
export const reservedStandIn = (name: string): string => `reserved:${name}`;

/** The header of an EVENT (2) or BINARY_EVENT (5) packet: type, attachments, namespace, id. */
const HEADER = /^([25])(\d+-)?(\/[^,[]*,)?(\d*)/;

/** The packet with a reserved event name renamed, or undefined when it has none. */
function renameReserved(packet: string): string | undefined {
  const header = HEADER.exec(packet);
  if (!header) return undefined;
  const body = packet.slice(header[0].length);
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(payload) || typeof payload[0] !== 'string') return undefined;
  if (!RESERVED_EVENT_NAMES.includes(payload[0])) return undefined;
  payload[0] = reservedStandIn(payload[0]);
  return header[0] + JSON.stringify(payload);
}

/** Any packet type, for its ack id: type, attachments, namespace, then the id's digits. */
const ACK_ID = /^\d(?:\d+-)?(?:\/[^,]*,)?(\d+)/;

class ChatDecoder extends Decoder {
  override add(packet: unknown): void {
    if (typeof packet !== 'string') {
      super.add(packet);
      return;
    }
    const id = ACK_ID.exec(packet)?.[1];
    if (id !== undefined && !Number.isSafeInteger(Number(id))) {
      throw new Error('ack id out of range');
    }
    try {
      super.add(packet);
    } catch (err) {
      // Only a refused packet is read twice: the common path costs nothing more.
      const renamed = renameReserved(packet);
      if (renamed === undefined) throw err;
      super.add(renamed);
    }
  }
}

/** The `parser` option of the Socket.IO server. */
export const chatParser = { Encoder, Decoder: ChatDecoder };
