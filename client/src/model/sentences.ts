import type { RemovedEvent, SessionEndReason } from '../../../common/contract.js';

/**
 * The few sentences the chat itself says, apart from the server's own: why the user is no
 * longer in a room, and why the session ended. They are the model's, not the page's, because
 * Node programs and the chat's tests read them from `Chat.joinError` and `Chat.signedOut`.
 */

/** Why the user was taken out of `room` (and until when, for a ban); `self` is their id. */
export function removalSentence(
  { room, reason, by, until, message }: RemovedEvent,
  self: string,
): string {
  const when = until === undefined ? '' : ` until ${new Date(until).toLocaleString()}`;
  const who = by.id === self ? 'You' : by.name;
  if (reason === 'ban')
    return `${by.name} banned you from ${room}${when}${message ? `: ${message}` : '.'}`;
  if (reason === 'deleted') return `${who} deleted ${room}.`;
  return `${by.name} removed you from ${room}.`;
}

/** Why the session ended, as the sign-in screen says it. */
export const sessionEndSentence = (reason: SessionEndReason): string =>
  reason === 'logout'
    ? 'You were signed out.'
    : reason === 'suspended'
      ? 'Your account was suspended by the operators.'
      : 'Your session expired. Please sign in again.';
