// The parts of S6's load generator that decide what is expected: the room gate that keeps
// deliveries apart from membership changes, and the layout of users in rooms; and the README
// that states its rates and budget.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { S6_BUDGET } from '../lib/bench.js';
import { mixLayout } from './mix-layout.js';
import { OFFLINE_SECONDS, RATES, VISIT_SECONDS } from './mix-model.js';
import { RoomGate } from './room-gate.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('RoomGate', () => {
  test('a change waits for the deliveries in flight, and holds new ones until it is done', async () => {
    const gate = new RoomGate();
    const events: string[] = [];
    await gate.enter();
    const change = gate.hold().then(() => events.push('change starts'));
    const late = gate.enter().then(() => events.push('late delivery starts'));
    await settle();
    expect(events).toEqual([]);
    gate.exit();
    await change;
    await settle();
    expect(events).toEqual(['change starts']);
    gate.release();
    await late;
    expect(events).toEqual(['change starts', 'late delivery starts']);
  });

  test('changes overlap, and deliveries resume only when the last is done', async () => {
    const gate = new RoomGate();
    await gate.hold();
    await gate.hold();
    let delivering = false;
    const delivery = gate.enter().then((waited) => {
      delivering = true;
      return waited;
    });
    gate.release();
    await settle();
    expect(delivering).toBe(false);
    gate.release();
    expect(await delivery).toBeGreaterThanOrEqual(0);
  });

  test('a delivery with no change under way goes at once', async () => {
    const gate = new RoomGate();
    expect(await gate.enter()).toBe(0);
    expect(await gate.enter()).toBe(0);
  });
});

describe('mixLayout', () => {
  const options = {
    users: 300,
    largeRooms: [150, 100],
    smallRoomsPerUser: 3,
    smallRoomSize: [5, 20] as const,
    directPerUser: 2,
    seed: 6,
  };

  test('large rooms of the sizes asked, small rooms of distinct members within the bounds', () => {
    const { rooms } = mixLayout(options);
    const large = rooms.filter((r) => r.kind === 'large');
    expect(large.map((r) => r.members.length)).toEqual([150, 100]);
    const small = rooms.filter((r) => r.kind === 'small');
    for (const r of [...large, ...small]) {
      expect(new Set(r.members).size, r.name).toBe(r.members.length);
      expect(r.name).toMatch(/^[a-z0-9_-]{1,64}$/);
    }
    for (const r of small) {
      expect(r.members.length, r.name).toBeGreaterThanOrEqual(2);
      expect(r.members.length, r.name).toBeLessThanOrEqual(20);
    }
    // Each user is in its share of small rooms, but for the few left over at the end.
    const memberships = small.reduce((n, r) => n + r.members.length, 0);
    expect(memberships).toBeGreaterThan(300 * 3 - 20);
  });

  test('direct conversations pair different users, each pair once', () => {
    const { direct } = mixLayout(options);
    expect(direct.length).toBeGreaterThan(280);
    const keys = direct.map(([a, b]) => (a < b ? `${a}:${b}` : `${b}:${a}`));
    expect(new Set(keys).size).toBe(direct.length);
    for (const [a, b] of direct) expect(a).not.toBe(b);
  });

  test('the same seed gives the same layout', () => {
    expect(mixLayout(options)).toEqual(mixLayout(options));
  });
});

describe('bench/README.md on S6', () => {
  const readme = readFileSync('bench/README.md', 'utf8');

  test('states the rates the mix runs at', () => {
    for (const [activity, perSecond] of Object.entries(RATES)) {
      expect(readme, activity).toMatch(
        new RegExp(`\\| \`${activity}\` +\\| 1 every ${Math.round(1 / perSecond)} s +\\|`),
      );
    }
    for (const [min, max] of [VISIT_SECONDS, OFFLINE_SECONDS]) {
      expect(readme).toContain(`${min}–${max} s`);
    }
  });

  test('states the budget the report checks', () => {
    const b = S6_BUDGET;
    const rows: [string, string][] = [
      ['server CPU per user-second', `≤ ${b.microsPerUserSecond} µs`],
      [
        'ack p99 of chat actions (sends, typing, edits, reactions, read markers)',
        `≤ ${b.chatAckP99Ms} ms`,
      ],
      ['ack p99 of joins, leaves and dm:open', `≤ ${b.openAckP99Ms} ms`],
      ['delivery p99 of chat messages', `≤ ${b.deliveryP99Ms} ms`],
    ];
    const escape = (text: string) => text.replace(/[()]/g, '\\$&');
    for (const [what, goal] of rows) {
      expect(readme, what).toMatch(new RegExp(`\\| ${escape(what)} +\\| ${goal} +\\|`));
    }
  });
});
