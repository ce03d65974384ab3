// How each server under test is spoken to. The floor relays raw text frames; the two
// Socket.IO servers take Engine.IO 4 / Socket.IO 5 framing over a WebSocket opened directly.

export type DialectName = 'floor' | 'usual' | 'chat';

/** Message text: `@<send time µs>@<sender>:<seq>@` padded to a typical chat line. */
const PAD = ' the quick brown fox jumps over the lazy dog';
export function messageText(sentAtMicros: number, sender: number, seq: number): string {
  const head = `@${sentAtMicros}@${sender}:${seq}@`;
  return head + PAD.slice(0, Math.max(0, 64 - head.length));
}

export interface Dialect {
  name: DialectName;
  /** Path and query of the WebSocket upgrade. */
  path(room: string): string;
  /** Bytes a delivered chat message frame starts with. */
  messagePrefix: Buffer;
  /** Bytes a delivered change of a message (an edit, a reaction) starts with, where there are any. */
  updatePrefix?: Buffer;
  /** Bytes a delivered typing notice starts with, where there are any. */
  typingPrefix?: Buffer;
  /** The frame a sender writes; `ackId` is used only where the server acknowledges. */
  sendFrame(room: string, text: string, clientId: string, ackId: number): string;
  /** Whether a join is a request of its own (`room:join`) rather than part of the connect. */
  explicitJoin: boolean;
  /** The Socket.IO CONNECT packet (with the client's session token for T), or undefined for the floor. */
  connectPacket(session: string): string | undefined;
}

const socketIoPath = '/socket.io/?EIO=4&transport=websocket';

export const dialects: Record<DialectName, Dialect> = {
  floor: {
    name: 'floor',
    path: (room) => `/?room=${room}`,
    messagePrefix: Buffer.from('@'),
    sendFrame: (_room, text) => text,
    explicitJoin: false,
    connectPacket: () => undefined,
  },
  usual: {
    name: 'usual',
    // The classic sample has no rooms; its bench copy takes one from the query (see servers/usual.ts).
    path: (room) => `${socketIoPath}&room=${room}`,
    messagePrefix: Buffer.from('42["chat message",'),
    sendFrame: (_room, text) => `42["chat message","${text}"]`,
    explicitJoin: false,
    connectPacket: () => '40',
  },
  chat: {
    name: 'chat',
    path: () => socketIoPath,
    messagePrefix: Buffer.from('42["message",'),
    updatePrefix: Buffer.from('42["message:updated",'),
    typingPrefix: Buffer.from('42["typing",'),
    sendFrame: (room, text, clientId, ackId) =>
      `42${ackId}["message:send",{"room":"${room}","text":"${text}","clientId":"${clientId}"}]`,
    explicitJoin: true,
    connectPacket: (session) => `40{"session":"${session}"}`,
  },
};
