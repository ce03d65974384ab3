import {
  DEFAULT_ROOM,
  ErrorCode,
  type AckFailure,
  type RoomInfo,
} from '../../../common/contract.js';
import { atLeast, roleIn, type Role } from '../../../common/roles.js';
import { isDirect } from '../conversations/store.js';
import { fail } from '../errors.js';
import type { Actor } from '../accounts/actor.js';
import { retentionOf } from '../messages/retention.js';
import type { ChatDeps } from '../deps.js';

type Deps = Pick<ChatDeps, 'moderation' | 'now' | 'operators' | 'config'>;

/** What everyone may know of a room; rooms nobody created have no owner and are public. */
export async function infoOf(deps: Deps, room: string): Promise<RoomInfo> {
  const [settings, moderators, operators] = await Promise.all([
    deps.moderation.settings(room),
    deps.moderation.moderators(room),
    deps.operators.ids(),
  ]);
  return {
    room,
    moderators,
    operators,
    private: settings?.private ?? false,
    ...(settings?.owner === undefined ? {} : { owner: settings.owner }),
    ...(settings?.topic === undefined ? {} : { topic: settings.topic }),
    ...retained(retentionOf(settings?.retentionDays, deps.config.retentionDays)),
  };
}

const retained = (retention: RoomInfo['retention']) => (retention ? { retention } : {});

/** The role of a connection's user; its `admin` flag stands even before the info names it. */
export const roleOf = (actor: Actor, info: RoomInfo): Role =>
  actor.admin ? 'operator' : roleIn(info, actor.member.id);

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * How long a sanction still runs, in words. No clock time: the server cannot know the
 * reader's time zone, so `until` goes along as data and clients word it in local time.
 */
function remaining(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120) return plural(minutes, 'more minute');
  if (minutes < 2 * 1440) return plural(Math.round(minutes / 60), 'more hour');
  return plural(Math.round(minutes / 1440), 'more day');
}

const sentence = (until: number | undefined, now: number) =>
  until === undefined ? 'until a moderator lifts it' : `for ${remaining(until - now)}`;

/** BANNED or MUTED with the time it ends (`now` for how long it still runs). */
export function sanctioned(
  code: typeof ErrorCode.BANNED | typeof ErrorCode.MUTED,
  until: number | null,
  now: number,
): AckFailure {
  const what = code === ErrorCode.BANNED ? 'You are banned from this room' : 'You are muted here';
  const failure = fail(code, `${what} ${sentence(until ?? undefined, now)}.`);
  return until === null ? failure : { ...failure, error: { ...failure.error, until } };
}

/**
 * Why this user may not enter the room, if they may not: banned, or a private room they were
 * not invited to (its owner, its moderators and operators always may).
 */
export async function refuseJoin(
  deps: Deps,
  actor: Actor,
  room: string,
): Promise<AckFailure | undefined> {
  if (isDirect(room)) return undefined; // participants only: conversations.ts
  const userId = actor.member.id;
  const info = await infoOf(deps, room);
  // Who runs the room always may enter it.
  if (atLeast(roleOf(actor, info), 'moderator')) return undefined;
  const ban = await deps.moderation.banOf(room, userId, deps.now());
  if (ban) return sanctioned(ErrorCode.BANNED, ban.until, deps.now());
  if (info.private && !(await deps.moderation.isInvited(room, userId))) {
    return fail(ErrorCode.NOT_ALLOWED, 'this room is private: ask its owner for an invitation');
  }
  return undefined;
}

/** MUTED when the user may not write in the room now. */
export async function refuseWrite(
  deps: Deps,
  actor: Actor,
  room: string,
): Promise<AckFailure | undefined> {
  if (isDirect(room)) return undefined;
  const mute = await deps.moderation.muteOf(room, actor.member.id, deps.now());
  return mute ? sanctioned(ErrorCode.MUTED, mute.until, deps.now()) : undefined;
}

/** True for the rooms anyone may create by joining; `general` and conversations are not. */
export const isOwnable = (room: string): boolean => room !== DEFAULT_ROOM && !isDirect(room);
