import type { ChatUser } from '../../../client/test/support/chat-user.js';
import type { Transport } from '../../../client/src/model/chat.js';

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
