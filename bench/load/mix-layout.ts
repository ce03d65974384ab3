// Who is in which room in S6, decided before the clock starts: a few large rooms, many small
// ones (each user in a few), and direct conversations between pairs of users. Deterministic
// for a given seed, so that every run of a profile has the same layout.

export interface LayoutOptions {
  users: number;
  /** Members of each large room, drawn at random (a user may be in several or none). */
  largeRooms: number[];
  /** Small rooms each user is in. */
  smallRoomsPerUser: number;
  /** Members of a small room: uniform between the two, inclusive. */
  smallRoomSize: readonly [number, number];
  /** Direct conversations each user is in before the clock starts. */
  directPerUser: number;
  seed: number;
}

export interface LayoutRoom {
  name: string;
  kind: 'large' | 'small';
  /** Indices of its users. */
  members: number[];
}

export interface MixLayout {
  rooms: LayoutRoom[];
  /** Pairs of users (indices) with a direct conversation. */
  direct: [number, number][];
}

/** A small, seedable generator (mulberry32): uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * `count` draws from `pool` for one room, all different: a user already drawn is swapped with
 * a later one. What cannot be placed (the pool's tail, rarely) is left out.
 */
function drawDistinct(pool: number[], count: number): number[] {
  const room: number[] = [];
  while (room.length < count && pool.length > 0) {
    const at = pool.findIndex((u) => !room.includes(u));
    if (at < 0) break;
    room.push(pool.splice(at, 1)[0] as number);
  }
  return room;
}

export function mixLayout(options: LayoutOptions): MixLayout {
  const random = seeded(options.seed);
  const rooms: LayoutRoom[] = options.largeRooms.map((size, i) => ({
    name: `large-${i}`,
    kind: 'large',
    members: shuffle(indices(options.users), random).slice(0, Math.min(size, options.users)),
  }));

  const [min, max] = options.smallRoomSize;
  const pool = shuffle(
    indices(options.users).flatMap((u) =>
      Array.from({ length: options.smallRoomsPerUser }, () => u),
    ),
    random,
  );
  while (pool.length >= min) {
    const size = min + Math.floor(random() * (max - min + 1));
    const members = drawDistinct(pool, size);
    if (members.length < 2) break;
    rooms.push({ name: `small-${rooms.length}`, kind: 'small', members });
  }

  const ends = shuffle(
    indices(options.users).flatMap((u) => Array.from({ length: options.directPerUser }, () => u)),
    random,
  );
  const direct: [number, number][] = [];
  const paired = new Set<string>();
  for (let i = 0; i + 1 < ends.length; i += 2) {
    const a = ends[i] as number;
    const b = ends[i + 1] as number;
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (a === b || paired.has(key)) continue;
    paired.add(key);
    direct.push([a, b]);
  }
  return { rooms, direct };
}
