import { describe, expect, it } from 'vitest';
import type { Member, PresenceEvent } from '../../../common/contract.js';
import { Timers } from '../../../common/timers.js';
import { ManualScheduler } from '../../test/support/manual-scheduler.js';
import { RETURN_GRACE_MS, RoomPresence } from './presence.js';

const ann: Member = { id: 'u-ann', name: 'ann' };
const bob: Member = { id: 'u-bob', name: 'bob' };
const cid: Member = { id: 'u-cid', name: 'cid' };

const event = (action: PresenceEvent['action'], member: Member, count: number): PresenceEvent => ({
  room: 'general',
  action,
  member,
  count,
});

/** Ann's view of a room in which bob and cid were when her connection dropped. */
function afterDrop() {
  const clock = new ManualScheduler();
  const presence = new RoomPresence(new Timers(clock));
  presence.joined([ann, bob, cid]);
  presence.connectionLost();
  const gone: string[] = [];
  // A restarted server lists only those back before her.
  presence.joined([ann], (m) => gone.push(m.name));
  return { clock, presence, gone };
}

describe('presence across a reconnect', () => {
  it('the return of someone listed before the drop is no news, and nobody is said to have left', () => {
    const { clock, presence, gone } = afterDrop();
    expect(presence.apply(event('join', bob, 2))).toBe(false);
    expect(presence.apply(event('join', cid, 3))).toBe(false);
    expect([...presence.members.keys()]).toEqual(['u-ann', 'u-bob', 'u-cid']);
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual([]);
  });

  it('someone not back within the grace is said to have left, once; a newcomer is news', () => {
    const { clock, presence, gone } = afterDrop();
    expect(presence.apply(event('join', { id: 'u-dan', name: 'dan' }, 2))).toBe(true);
    expect(presence.apply(event('join', bob, 3))).toBe(false);
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual(['cid']);
    // After the grace, a join is news again.
    expect(presence.apply(event('join', cid, 4))).toBe(true);
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual(['cid']);
  });

  it('a leave of someone awaited back is news, and no second notice follows', () => {
    const { clock, presence, gone } = afterDrop();
    expect(presence.apply(event('leave', cid, 1))).toBe(true);
    clock.advance(RETURN_GRACE_MS);
    // Only bob, who never came back, is left to the timer.
    expect(gone).toEqual(['bob']);
  });

  it('a second drop before the grace ends keeps waiting for those not yet back', () => {
    const { clock, presence, gone } = afterDrop();
    clock.advance(RETURN_GRACE_MS / 2);
    presence.connectionLost();
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual([]);
    presence.joined([ann, bob], (m) => gone.push(m.name));
    expect(presence.apply(event('join', cid, 3))).toBe(false);
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual([]);
  });

  it('without a drop, a rejoin changes nothing of the notices', () => {
    const clock = new ManualScheduler();
    const presence = new RoomPresence(new Timers(clock));
    const gone: string[] = [];
    presence.joined([ann, bob], (m) => gone.push(m.name));
    presence.joined([ann], (m) => gone.push(m.name));
    expect(presence.apply(event('join', bob, 2))).toBe(true);
    clock.advance(RETURN_GRACE_MS);
    expect(gone).toEqual([]);
  });
});
