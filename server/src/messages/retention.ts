import type { RoomInfo } from '../../../common/contract.js';
import type { ChatDeps } from '../deps.js';

const DAY_MS = 86_400_000;

/**
 * Messages one purge call removes at most: each call is one short transaction, so a sweep
 * that deletes a year of a busy room never holds the room's lock for long, and sends wait
 * behind one batch at most.
 */
export const PURGE_BATCH = 500;

/**
 * How long a room's messages are kept: the shorter of the room's own retention and the
 * server's (`RETENTION_DAYS`). Undefined: for good.
 */
export function retentionOf(
  roomDays: number | undefined,
  serverDays: number | undefined,
): RoomInfo['retention'] {
  if (roomDays !== undefined && (serverDays === undefined || roomDays < serverDays))
    return { days: roomDays, by: 'room' };
  return serverDays === undefined ? undefined : { days: serverDays, by: 'server' };
}

/** Why a room may not take this retention, or undefined when it may. */
export function refuseRetention(days: number, serverDays: number | undefined): string | undefined {
  if (serverDays !== undefined && days > serverDays)
    return `this server deletes messages after ${serverDays} days; a room may keep them less long only`;
  return undefined;
}

type Deps = Pick<ChatDeps, 'history' | 'moderation' | 'config' | 'now' | 'logger'>;

/**
 * Deletes what every room's retention says is too old, room by room, in batches of
 * `PURGE_BATCH`. Returns the messages deleted. Every node sweeps on its own; the stores make
 * two sweeps of one room take turns, so the second finds nothing left to do.
 */
export async function sweepRetention(deps: Deps): Promise<number> {
  const { history, moderation, config } = deps;
  const purge = history.purge?.bind(history);
  if (!purge) return 0;
  // Without a server-wide retention only rooms with settings can have one of their own.
  const rooms =
    config.retentionDays === undefined ? await moderation.rooms() : await history.rooms();
  const now = deps.now();
  let deleted = 0;
  for (const room of rooms) {
    const policy = retentionOf(
      (await moderation.settings(room))?.retentionDays,
      config.retentionDays,
    );
    if (!policy) continue;
    const before = now - policy.days * DAY_MS;
    for (;;) {
      const purged = await purge(room, before, PURGE_BATCH);
      deleted += purged.messages;
      if (purged.messages < PURGE_BATCH && purged.changes < PURGE_BATCH) break;
    }
  }
  return deleted;
}

/**
 * Sweeps every `RETENTION_SWEEP_MS` on the chat's timers (which a test drives, and which stop
 * with the server). A failed sweep (the database away) is logged and tried again next time.
 */
export function scheduleRetention(
  deps: Deps & Pick<ChatDeps, 'timers' | 'background' | 'quiescing'>,
): void {
  if (!deps.history.purge) return;
  const next = (): void => {
    if (deps.quiescing()) return;
    deps.timers.after(deps.config.retentionSweepMs, () => {
      const sweep = sweepRetention(deps)
        .then((deleted) => {
          if (deleted > 0) deps.logger.info({ deleted }, 'retention: old messages deleted');
        })
        .catch((err: unknown) => {
          deps.logger.warn({ err }, 'retention: the sweep failed; it runs again later');
        })
        .finally(() => {
          deps.background.delete(sweep);
          next();
        });
      deps.background.add(sweep);
    });
  };
  next();
}
