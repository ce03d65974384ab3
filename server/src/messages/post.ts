import {
  ErrorCode,
  type AckFailure,
  type Author,
  type Message,
  type ReplyQuote,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { audienceOf } from '../conversations/participants.js';
import type { ChatDeps, RequestContext } from '../deps.js';
import { fail, rateLimited } from '../errors.js';
import { refuseWrite } from '../rooms/access.js';
import { userRoom } from '../rooms/membership.js';
import { checkMember, checkText } from '../validation.js';
import { mentionsIn } from './mentions.js';
import { quoteOf } from './quotes.js';

/** A message to post, its text already checked against `MAX_TEXT_LENGTH`. */
export interface NewPost {
  room: string;
  author: Author;
  text: string;
  /** Makes retries idempotent: a second post with it stores nothing and returns the first. */
  clientId: string;
  /** The id of the message this one replies to, in the same room. */
  replyTo?: string;
}

/** The connection a post came from (a `ChatSocket` is one). */
export interface Sender {
  id: string;
  /** Its posts whose storing failed (`SocketData.unsettled`): their retry is broadcast. */
  data: { unsettled?: Set<string> };
}

/** How the two ways in differ; each field says who takes which and why. */
export interface PostOptions {
  /**
   * The connection that sent it, if one did: it is left out of the broadcast (its ack carries
   * the message) and keeps the posts whose storing failed. The push API has none, so everyone
   * in the room hears its posts.
   */
  sender?: Sender;
  /** What the store records as where it came from: the sender's id, or `push-api`. */
  origin: string;
  /**
   * Resolve `@username`s into mentions and tell each person named, on every tab. People
   * do (the socket); the push API's programs do not, as they act for no user whose rooms
   * and conversations would bound whom they may call on.
   */
  resolveMentions: boolean;
}

type PostDeps = Pick<
  ChatDeps,
  | 'io'
  | 'history'
  | 'metrics'
  | 'accounts'
  | 'config'
  | 'conversations'
  | 'moderation'
  | 'now'
  | 'operators'
>;

/**
 * Stores a message, then tells the room and the people it names: the one path of the send
 * handler and of the push API. Stored before the ack and before the broadcast, so that an
 * acknowledged message is never lost.
 */
export async function postMessage(
  deps: PostDeps,
  post: NewPost,
  options: PostOptions,
): Promise<{ message: Message; duplicate: boolean } | AckFailure> {
  const { room, replyTo, clientId, text } = post;
  const { sender } = options;
  let quote: ReplyQuote | undefined;
  if (replyTo !== undefined) {
    const original = await deps.history.get(room, replyTo);
    if (!original) return fail(ErrorCode.NOT_FOUND, 'the message replied to is not in this room');
    quote = quoteOf(original);
  }
  const mentions = options.resolveMentions
    ? await mentionsIn(deps, room, text, post.author.id)
    : [];
  const { message, duplicate, origin, prev } = await deps.history
    .append({
      room,
      author: post.author,
      text,
      clientId,
      origin: options.origin,
      ...(quote ? { replyTo: quote } : {}),
      ...(mentions.length > 0 ? { mentions } : {}),
    })
    .catch((err: unknown) => {
      // Stored or not, it was not broadcast: its retry must be, even as a duplicate.
      if (sender) remember(sender.data, clientId);
      throw err;
    });
  const unsettled = sender?.data.unsettled?.delete(clientId) ?? false;
  if (!duplicate) deps.metrics.messagesReceived.inc();
  // A retry from where it was stored was broadcast then, unless storing it failed (a replica
  // did not confirm it in time, or the reply was lost). From another connection (after a
  // reconnect) it is broadcast again: the node that stored it may have died before
  // broadcasting, and clients dedupe by id, so nobody sees it twice.
  if (!duplicate || origin !== options.origin || unsettled) {
    await broadcast(deps, room, prev === undefined ? message : { ...message, prev }, sender);
  }
  // Every tab of each person named hears of it, in the room or not (not again on a retry).
  if (!duplicate || unsettled) {
    for (const m of message.mentions ?? []) {
      deps.io.to(userRoom(m.id)).emit('mention', { message });
    }
  }
  return { message, duplicate };
}

/** The room's audience hears it (the sender's connection aside); the previous id lets every
 * receiver notice a broadcast it never got. */
async function broadcast(
  deps: PostDeps,
  room: string,
  message: Message,
  sender: Sender | undefined,
): Promise<void> {
  const audience = await audienceOf(deps, room);
  const to = deps.io.to(audience);
  (sender ? to.except(sender.id) : to).emit('message', message);
  const local = deps.io.of('/').adapter.rooms.get(room)?.size ?? 0;
  deps.metrics.messagesDelivered.inc(Math.max(0, sender ? local - 1 : local));
}

/** `message:send`: a member of the room, not muted, within their message rate. */
export async function sendMessage(
  { actor, socket, deps, limits }: RequestContext,
  { room, text, clientId, replyTo }: RequestOf<'message:send'>,
): Promise<ResultOf<'message:send'>> {
  const refused = checkMember(socket.rooms, room);
  if (refused) return refused;
  const checked = checkText(text, deps.config.maxTextLength);
  if (typeof checked !== 'string') return checked;
  const muted = await refuseWrite(deps, actor, room);
  if (muted) return muted;
  if (!(await deps.userLimits.takeMessage(actor.member.id))) {
    limits.strike();
    return rateLimited();
  }
  const posted = await postMessage(
    deps,
    {
      room,
      author: actor.member,
      text: checked,
      clientId,
      ...(replyTo === undefined ? {} : { replyTo }),
    },
    { sender: socket, origin: socket.id, resolveMentions: true },
  );
  return 'ok' in posted ? posted : { ok: true, message: posted.message };
}

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
