import { ChatUser, type ChatUserOptions } from '../../../client/test/support/chat-user.js';
import type { Transport } from '../../../client/src/model/chat.js';
import { RECONNECTION } from '../../../client/src/model/chat-options.js';
import { Limits, type Message } from '../../../common/contract.js';
import { connect, identity, joinOk, request } from './client.js';

/**
 * 200 clients as the fault tests have them: 120 on WebSocket, 30 starting on polling and
 * upgrading (no transports given), 50 on polling only.
 */
export const TRANSPORT_MIX: (Transport[] | undefined)[] = [
  ...Array<Transport[]>(120).fill(['websocket']),
  ...Array<undefined>(30).fill(undefined),
  ...Array<Transport[]>(50).fill(['polling']),
];

/**
 * Every user writes one message every `everyMs` (each text unique: name and round), from
 * now until `stop()`; `rounds(n)` resolves once n more rounds have been written.
 */
export function keepWriting(users: ChatUser[], everyMs = 2000) {
  let round = 0;
  const write = () => {
    for (const u of users) u.send(`${u.name} ${round}`);
    round++;
  };
  write();
  const timer = setInterval(write, everyMs);
  return {
    get round() {
      return round;
    },
    rounds(n: number): Promise<void> {
      const target = round + n;
      return (
        users[0]?.until(() => round >= target, 60_000, `${n} more rounds`) ?? Promise.resolve()
      );
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

/**
 * What every member was shown, against everything acknowledged in their room: receipts due,
 * receipts missing, and sends shown twice (one text under two ids, which is what a message
 * stored again after a lost write would look like).
 */
export function audit(users: ChatUser[]) {
  const ackedIn = new Map<string, string[]>();
  for (const u of users) {
    ackedIn.set(u.room, [...(ackedIn.get(u.room) ?? []), ...u.acked.map((m) => m.id)]);
  }
  let receipts = 0;
  let missing = 0;
  let twice = 0;
  for (const u of users) {
    const shown = u.shown;
    for (const id of ackedIn.get(u.room) ?? []) {
      receipts++;
      if (!shown.has(id)) missing++;
    }
    const texts = new Set<string>();
    for (const m of shown.values()) {
      if (texts.has(m.text)) twice++;
      texts.add(m.text);
    }
  }
  const acked = [...ackedIn.values()].reduce((n, ids) => n + ids.length, 0);
  return { ackedIn, acked, receipts, missing, twice };
}

/** The 200 members' rooms: member i is in `room${i % ROOMS}`. */
export const ROOMS = 10;

/** A browser's socket options behind HAProxy (its self-signed certificate, its cookie). */
export const THROUGH_HAPROXY = {
  withCredentials: true,
  rejectUnauthorized: false,
  ...RECONNECTION,
} as const;

/**
 * TRANSPORT_MIX's 200 clients, each a guest `${prefix}${i}` signed in at `urlOf(i)` and
 * connected there with the browser client's reconnection settings (plus `socket`), member i
 * in `room${i % ROOMS}`; resolves once every one is in its room.
 */
export async function twoHundredMembers(
  urlOf: (i: number) => string,
  { prefix = 'user', socket = {} }: { prefix?: string; socket?: ChatUserOptions['socket'] } = {},
): Promise<ChatUser[]> {
  const users = await Promise.all(
    TRANSPORT_MIX.map(async (transports, i) => {
      const url = urlOf(i);
      return new ChatUser(url, await identity(url, `${prefix}${i}`), `room${i % ROOMS}`, {
        ...(transports ? { transports } : {}),
        // The browser client's reconnection settings, not the test helper's quicker ones.
        socket: { ...RECONNECTION, ...socket },
      });
    }),
  );
  await Promise.all(users.map((u) => u.ready(60_000)));
  return users;
}

/** When a message id (`<ms>-<seq>`) was stored, in ms since the epoch. */
export const storedAt = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/**
 * Resolves with when the first message stored at `since` or later reached one of `users`
 * live, in ms since the epoch (waiting up to 30 s for one to).
 */
export async function firstDelivery(users: ChatUser[], since: number): Promise<number> {
  const first = () => {
    let at = Infinity;
    for (const u of users) {
      for (const [id, t] of u.receivedAt) if (storedAt(id) >= since) at = Math.min(at, t);
    }
    return at;
  };
  await users[0]?.until(() => first() < Infinity, 30_000, 'a delivery of a message stored later');
  return first();
}

/**
 * Once every outbox is empty, audits what was shown (`missingBefore`), then waits until
 * every member shows every acknowledged message of their room (a repair may still be on its
 * way) and audits again.
 */
export async function settleAndAudit(users: ChatUser[]) {
  await Promise.all(users.map((u) => u.settled()));
  const before = audit(users);
  await Promise.all(users.map((u) => u.hasShown(before.ackedIn.get(u.room) ?? [])));
  return { ...audit(users), missingBefore: before.missing };
}

/**
 * Every message the store holds in each of `rooms`, oldest first, as a member who joins
 * now reads it through the node at `url`: the join's page, then history:fetch back to the
 * first.
 */
export async function storedHistory(url: string, rooms: string[]): Promise<Message[][]> {
  const reader = await connect(url, { name: 'history reader' });
  try {
    return await Promise.all(
      rooms.map(async (room) => {
        const joined = await joinOk(reader, room);
        const messages = [...joined.history];
        for (let more = joined.hasMore; more && messages[0];) {
          const page = await request(reader, 'history:fetch', {
            room,
            before: messages[0].id,
            limit: Limits.historyFetchMaxLimit,
          });
          if (!page.ok) throw new Error(`history:fetch failed: ${page.error.code}`);
          messages.unshift(...page.messages);
          more = page.hasMore;
        }
        return messages;
      }),
    );
  } finally {
    reader.disconnect();
  }
}

/**
 * What the store holds, read back through the node at `url`, against what `users` were
 * acknowledged: messages stored, those whose text was stored before (stored twice: each
 * text is unique), and acknowledged ids that it lacks.
 */
export async function storedAgainstAcked(url: string, users: ChatUser[]) {
  const rooms = [...new Set(users.map((u) => u.room))];
  const stored = (await storedHistory(url, rooms)).flat();
  const ids = new Set(stored.map((m) => m.id));
  const texts = new Set(stored.map((m) => `${m.room}\n${m.text}`));
  const lost = users.flatMap((u) => u.acked).filter((m) => !ids.has(m.id)).length;
  return { stored: stored.length, twice: stored.length - texts.size, lost };
}
