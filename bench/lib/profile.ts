// How big each scenario is. `full` is the published run; `quick` fits in two minutes; `tiny`
// is the correctness check that runs inside `npm test` (no figure from it means anything).
import type { LayoutOptions } from '../load/mix-layout.js';

export interface Profile {
  name: 'full' | 'quick' | 'tiny';
  /** One client in `sampleStride` decodes send times; every client counts deliveries. */
  sampleStride: number;
  s1: { connections: number; perRoom: number; idleSeconds: number; concurrency: number };
  s2: {
    members: number;
    /** Offered deliveries/s of each step, stepped up until p99 passes 100 ms or deliveries fall behind. */
    steps: number[];
    stepSeconds: number;
    fixedDeliveries: number;
    fixedSeconds: number;
  };
  s3: { rooms: number; members: number; sendersPerRoom: number; rates: number[]; seconds: number };
  s4: {
    s2Deliveries: number;
    s3Rate: number;
    seconds: number;
    /** Rooms all on node A, to show what node B receives of them. */
    localRooms: number;
    localRate: number;
  };
  /** HAProxy: idle connections through it, and the fixed deliveries/s of its mixed room. */
  s5: { connections: number; rates: number[] };
  s6: {
    users: number;
    layout: Omit<LayoutOptions, 'users'>;
    warmupSeconds: number;
    /** The measured window. */
    seconds: number;
    /** Multiplies the mix's rates and divides its durations; 1 is people's pace (bench/load/mix.ts). */
    speed: number;
  };
}

export const profiles: Record<Profile['name'], Profile> = {
  full: {
    name: 'full',
    sampleStride: 9,
    s1: { connections: 10_000, perRoom: 10, idleSeconds: 26, concurrency: 100 },
    s2: {
      members: 1000,
      steps: [
        10_000, 25_000, 40_000, 50_000, 60_000, 70_000, 80_000, 90_000, 100_000, 110_000, 120_000,
        135_000, 150_000, 175_000, 200_000,
      ],
      stepSeconds: 3,
      fixedDeliveries: 50_000,
      fixedSeconds: 5,
    },
    s3: { rooms: 100, members: 50, sendersPerRoom: 5, rates: [500, 1000, 2000], seconds: 4 },
    s4: { s2Deliveries: 25_000, s3Rate: 500, seconds: 4, localRooms: 10, localRate: 200 },
    s5: {
      // Two descriptors per proxied client: under this machine's hard limit of 20,000
      // descriptors HAProxy holds about 9,990 clients, so S5 opens 9,000.
      connections: 9000,
      rates: [10_000, 25_000, 40_000],
    },
    s6: {
      users: 1000,
      layout: {
        largeRooms: [500, 300, 200],
        smallRoomsPerUser: 3,
        smallRoomSize: [5, 20],
        directPerUser: 2,
        seed: 6,
      },
      warmupSeconds: 5,
      seconds: 25,
      speed: 1,
    },
  },
  quick: {
    // A scaled-down run in under two minutes, build included: fewer clients and shorter steps.
    name: 'quick',
    sampleStride: 9,
    s1: { connections: 2000, perRoom: 10, idleSeconds: 1, concurrency: 100 },
    s2: {
      members: 500,
      steps: [25_000, 50_000, 100_000],
      stepSeconds: 1,
      fixedDeliveries: 50_000,
      fixedSeconds: 1,
    },
    s3: { rooms: 40, members: 25, sendersPerRoom: 3, rates: [1000], seconds: 1 },
    s4: { s2Deliveries: 25_000, s3Rate: 500, seconds: 1, localRooms: 4, localRate: 200 },
    s5: { connections: 500, rates: [10_000, 25_000] },
    s6: {
      users: 300,
      layout: {
        largeRooms: [150, 100],
        smallRoomsPerUser: 3,
        smallRoomSize: [5, 20],
        directPerUser: 2,
        seed: 6,
      },
      warmupSeconds: 2,
      seconds: 5,
      speed: 1,
    },
  },

  tiny: {
    name: 'tiny',
    sampleStride: 3,
    s1: { connections: 40, perRoom: 10, idleSeconds: 0.2, concurrency: 10 },
    s2: {
      members: 20,
      steps: [200, 400],
      stepSeconds: 0.3,
      fixedDeliveries: 300,
      fixedSeconds: 0.3,
    },
    s3: { rooms: 4, members: 5, sendersPerRoom: 2, rates: [40], seconds: 0.3 },
    s4: { s2Deliveries: 300, s3Rate: 40, seconds: 0.3, localRooms: 2, localRate: 20 },
    s5: { connections: 20, rates: [200] },
    // A minute of chat in under a second, so that every kind of action happens.
    s6: {
      users: 20,
      layout: {
        largeRooms: [10],
        smallRoomsPerUser: 2,
        smallRoomSize: [3, 6],
        directPerUser: 1,
        seed: 6,
      },
      warmupSeconds: 0.2,
      seconds: 0.4,
      speed: 100,
    },
  },
};
