import { ErrorCode, Limits, type Message, type ReplyQuote } from '../../../common/contract.js';
import { fail, rateLimited } from '../errors.js';
import { checkMember, checkText, historySchema, sendSchema } from '../validation.js';
import type { EventHandler } from './dispatch.js';

/** What a reply shows of the message it answers: its author and the start of its text. */
const quoteOf = (original: Message): ReplyQuote => ({
  id: original.id,
  author: original.author,
  text: Array.from(original.text).slice(0, Limits.quoteMaxLength).join(''),
});

export const sendMessage: EventHandler<'message:send'> = {
  schema: sendSchema,
  async handle({ socket, deps, limits }, { room, text, clientId, replyTo }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    const checked = checkText(text, deps.config.maxTextLength);
    if (typeof checked !== 'string') return checked;
    if (!(await deps.userLimits.takeMessage(socket.data.member.id))) {
      limits.strike();
      return rateLimited();
    }
    let quote: ReplyQuote | undefined;
    if (replyTo !== undefined) {
      const original = await deps.history.get(room, replyTo);
      if (!original) return fail(ErrorCode.NOT_FOUND, 'the message replied to is not in this room');
      quote = quoteOf(original);
    }

    // Stored before the ack and before the broadcast: an acknowledged message is never lost.
    const { message, duplicate, origin, prev } = await deps.history.append({
      room,
      author: socket.data.member,
      text: checked,
      clientId,
      origin: socket.id,
      ...(quote ? { replyTo: quote } : {}),
    });
    if (!duplicate) deps.metrics.messagesReceived.inc();
    // A retry on the connection that stored it was broadcast then. From another
    // connection (after a reconnect) it is broadcast again: the node that stored it may have
    // died before broadcasting, and clients dedupe by id, so nobody sees it twice.
    if (!duplicate || origin !== socket.id) {
      // The previous id lets every receiver notice a broadcast it never got.
      socket.to(room).emit('message', prev === undefined ? message : { ...message, prev });
      const local = deps.io.of('/').adapter.rooms.get(room)?.size ?? 1;
      deps.metrics.messagesDelivered.inc(local - 1);
    }
    return { ok: true, message };
  },
};

export const fetchHistory: EventHandler<'history:fetch'> = {
  schema: historySchema,
  async handle({ socket, deps }, { room, before, limit }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    const page = await deps.history.before(room, before, limit ?? deps.config.historyPage);
    return { ok: true, ...page };
  },
};
