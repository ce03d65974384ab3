import { ErrorCode, type Member, type ReplyQuote } from '../../../common/contract.js';
import { fail, rateLimited } from '../errors.js';
import { checkMember, checkText, historySchema, sendSchema } from '../validation.js';
import { quoteOf } from '../history/quotes.js';
import { audienceOf, memberOfAccount, participantsOf, refuseEntry } from './conversations.js';
import type { EventHandler } from './dispatch.js';
import { refuseWrite } from './room-access.js';
import { userRoom } from './rooms-of-users.js';
import type { SocketDeps } from './types.js';

export const sendMessage: EventHandler<'message:send'> = {
  schema: sendSchema,
  async handle({ socket, deps, limits }, { room, text, clientId, replyTo }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    const checked = checkText(text, deps.config.maxTextLength);
    if (typeof checked !== 'string') return checked;
    const muted = await refuseWrite(deps, socket, room);
    if (muted) return muted;
    if (!(await deps.userLimits.takeMessage(socket.data.member.id))) {
      limits.strike();
      return rateLimited();
    }
    const mentions = await mentionsIn(deps, room, checked, socket.data.member.id);
    let quote: ReplyQuote | undefined;
    if (replyTo !== undefined) {
      const original = await deps.history.get(room, replyTo);
      if (!original) return fail(ErrorCode.NOT_FOUND, 'the message replied to is not in this room');
      quote = quoteOf(original);
    }

    // Stored before the ack and before the broadcast: an acknowledged message is never lost.
    const { message, duplicate, origin, prev } = await deps.history
      .append({
        room,
        author: socket.data.member,
        text: checked,
        clientId,
        origin: socket.id,
        ...(quote ? { replyTo: quote } : {}),
        ...(mentions.length > 0 ? { mentions } : {}),
      })
      .catch((err: unknown) => {
        // Stored or not, it was not broadcast: its retry must be, even as a duplicate.
        remember(socket.data, clientId);
        throw err;
      });
    const unsettled = socket.data.unsettled?.delete(clientId) ?? false;
    if (!duplicate) deps.metrics.messagesReceived.inc();
    // A retry on the connection that stored it was broadcast then, unless storing it
    // failed (a replica did not confirm it in time, or the reply was lost). From another
    // connection (after a reconnect) it is broadcast again: the node that stored it may have
    // died before broadcasting, and clients dedupe by id, so nobody sees it twice.
    if (!duplicate || origin !== socket.id || unsettled) {
      // The previous id lets every receiver notice a broadcast it never got.
      const audience = await audienceOf(deps, room);
      socket.to(audience).emit('message', prev === undefined ? message : { ...message, prev });
      const local = deps.io.of('/').adapter.rooms.get(room)?.size ?? 1;
      deps.metrics.messagesDelivered.inc(local - 1);
    }
    // Every tab of each person named hears of it, in the room or not (not again on a retry).
    if (!duplicate || unsettled) {
      for (const m of message.mentions ?? []) {
        deps.io.to(userRoom(m.id)).emit('mention', { message });
      }
    }
    return { ok: true, message };
  },
};

/** Sends with a failed store a connection remembers, at most (a client retries a few). */
const MAX_UNSETTLED = 64;

function remember(data: { unsettled?: Set<string> }, clientId: string): void {
  data.unsettled ??= new Set();
  if (data.unsettled.size >= MAX_UNSETTLED) {
    const oldest = data.unsettled.values().next();
    if (!oldest.done) data.unsettled.delete(oldest.value);
  }
  data.unsettled.add(clientId);
}

/** Mentions resolved per message, at most; more `@name`s are left as text. */
const MAX_MENTIONS = 10;
// `@username` not preceded by a word character or another @ (so e-mail addresses are not).
const MENTION = /(?<![\w@])@([A-Za-z0-9_-]{3,32})(?![\w-])/g;

/**
 * The users a text names with `@username`, resolved by the server so that nobody is named
 * by a look-alike: accounts only (guests have no username), never the author, and in a
 * direct conversation only its participants.
 */
async function mentionsIn(
  deps: SocketDeps,
  room: string,
  text: string,
  authorId: string,
): Promise<Member[]> {
  if (!text.includes('@')) return [];
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]?.toLowerCase();
    if (name !== undefined) names.add(name);
    if (names.size >= MAX_MENTIONS) break;
  }
  if (names.size === 0) return [];
  const participants = await participantsOf(deps, room);
  const found = await Promise.all([...names].map((n) => deps.accounts.findByUsername(n)));
  const members = new Map<string, Member>();
  for (const entry of found) {
    const account = entry?.account;
    if (!account || account.id === authorId) continue;
    if (participants && !participants.includes(account.id)) continue;
    members.set(account.id, memberOfAccount(account));
  }
  return [...members.values()];
}

export const fetchHistory: EventHandler<'history:fetch'> = {
  schema: historySchema,
  async handle({ socket, deps }, { room, before, limit }) {
    const refused =
      (await refuseEntry(deps, socket.data.member.id, room)) ?? checkMember(socket.rooms, room);
    if (refused) return refused;
    const page = await deps.history.before(room, before, limit ?? deps.config.historyPage);
    return { ok: true, ...page };
  },
};
