// What S6 counts and times: every action by kind (the whole run, and the measured window with
// its ack latency), chat messages' delivery latency, and what reached whom against what should.
import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, summarize, type LatencySummary } from '../lib/measure.js';
import type { Activity, Room, RoomKind, User } from './mix-model.js';

/** What is timed and counted: each request by its event (a message by where it goes). */
export const ACTIONS = [
  'message:send',
  'message:send (direct)',
  'typing',
  'message:edit',
  'reaction:add',
  'reaction:remove',
  'room:read',
  'room:join',
  'room:leave',
  'dm:open',
  'reconnect',
  'room:join (resumed)',
] as const;
export type Action = (typeof ACTIONS)[number];

export interface Counts {
  sent: number;
  acked: number;
  refused: number;
}
const counts = (): Counts => ({ sent: 0, acked: 0, refused: 0 });

export interface ActionFigures extends Counts {
  /** Send to ack (for `reconnect`: TCP connect to the Socket.IO handshake done). */
  latency: LatencySummary;
}

export interface Expected {
  expected: number;
  received: number;
}

export interface MixReport {
  users: number;
  rooms: { large: number; small: number; direct: number };
  /** Actions sent within the measured window, by kind. */
  window: Record<Action, ActionFigures>;
  /** Every ack of the window, pooled (reconnects excepted). */
  ack: LatencySummary;
  /** Chat messages, send to receipt on every client, within the window, by where they went. */
  delivery: Record<'all' | RoomKind, LatencySummary>;
  /** The whole run (warm-up, window and what finished after it), by kind and in all. */
  run: Record<Action, Counts>;
  total: Counts & { unanswered: number; lastRefusal: string | undefined };
  /** Actions due that found nothing to act on (no message yet to react to, say). */
  skipped: Partial<Record<Activity, number>>;
  /**
   * Over the whole run: messages and changes (and typing notices, which the server drops
   * rather than queue for a busy connection) that should have reached clients live, and the
   * messages missed while away that rejoining with `since` should replay.
   */
  deliveries: Record<'messages' | 'updates' | 'typings' | 'replayed', Expected>;
  /** Receipts of a sender's messages out of order or twice. */
  disorder: number;
  /** Deliveries in the window that waited for a membership change of their room. */
  held: { count: number; of: number; p99Ms: number; maxMs: number };
  errors: string[];
}

export class MixStats {
  private readonly actions = new Map<Action, { total: Counts; window: Counts; latency: Histogram }>(
    ACTIONS.map((a) => [a, { total: counts(), window: counts(), latency: newHistogram() }]),
  );
  private lastRefusal: string | undefined;
  private readonly delivery = new Map<'all' | RoomKind, Histogram>(
    (['all', 'large', 'small', 'direct'] as const).map((k) => [k, newHistogram()]),
  );
  private readonly skipped: Partial<Record<Activity, number>> = {};
  private readonly held = newHistogram();
  private deliveries = 0;
  readonly replayed: Expected = { expected: 0, received: 0 };
  readonly errors: string[] = [];

  private of(action: Action): { total: Counts; window: Counts; latency: Histogram } {
    const stats = this.actions.get(action);
    if (!stats) throw new Error(`unknown action ${action}`);
    return stats;
  }

  sent(action: Action, inWindow: boolean): void {
    const s = this.of(action);
    s.total.sent++;
    if (inWindow) s.window.sent++;
  }

  acked(action: Action, inWindow: boolean, micros: number): void {
    const s = this.of(action);
    s.total.acked++;
    if (!inWindow) return;
    s.window.acked++;
    s.latency.recordValue(Math.max(1, micros));
  }

  refused(action: Action, inWindow: boolean, why: string): void {
    const s = this.of(action);
    s.total.refused++;
    if (inWindow) s.window.refused++;
    this.lastRefusal = `${action}: ${why}`;
  }

  /** A chat message received in the window, send to receipt. */
  received(kind: RoomKind, micros: number): void {
    this.delivery.get('all')?.recordValue(Math.max(1, micros));
    this.delivery.get(kind)?.recordValue(Math.max(1, micros));
  }

  /** A delivery started in the window, after waiting `waitedMs` for a membership change. */
  started(waitedMs: number): void {
    this.deliveries++;
    if (waitedMs > 0) this.held.recordValue(Math.max(1, Math.round(waitedMs * 1000)));
  }

  skip(activity: Activity, count = 1): void {
    if (count > 0) this.skipped[activity] = (this.skipped[activity] ?? 0) + count;
  }

  report(users: readonly User[], rooms: Iterable<Room>): MixReport {
    const window = {} as Record<Action, ActionFigures>;
    const run = {} as Record<Action, Counts>;
    const total = { ...counts(), unanswered: 0, lastRefusal: this.lastRefusal };
    const acks = newHistogram();
    for (const [action, s] of this.actions) {
      window[action] = { ...s.window, latency: summarize(s.latency) };
      run[action] = { ...s.total };
      if (action !== 'reconnect') acks.add(s.latency);
      total.sent += s.total.sent;
      total.acked += s.total.acked;
      total.refused += s.total.refused;
    }
    total.unanswered = total.sent - total.acked - total.refused;
    const sum = (f: (u: User) => number): number => users.reduce((n, u) => n + f(u), 0);
    const expected = (what: keyof User['expected'], got: (u: User) => number): Expected => ({
      expected: sum((u) => u.expected[what]),
      received: sum(got),
    });
    const delivery = (kind: 'all' | RoomKind): LatencySummary =>
      summarize(this.delivery.get(kind) ?? newHistogram());
    const kinds = [...rooms].map((r) => r.kind);
    const held = summarize(this.held);
    return {
      users: users.length,
      rooms: {
        large: kinds.filter((k) => k === 'large').length,
        small: kinds.filter((k) => k === 'small').length,
        direct: kinds.filter((k) => k === 'direct').length,
      },
      window,
      ack: summarize(acks),
      delivery: {
        all: delivery('all'),
        large: delivery('large'),
        small: delivery('small'),
        direct: delivery('direct'),
      },
      run,
      total,
      skipped: { ...this.skipped },
      deliveries: {
        messages: expected('messages', (u) => u.client.received),
        updates: expected('updates', (u) => u.client.updates),
        typings: expected('typings', (u) => u.client.typings),
        replayed: { ...this.replayed },
      },
      disorder: sum((u) => u.client.disorder),
      held: { count: held.count, of: this.deliveries, p99Ms: held.p99, maxMs: held.max },
      errors: [...this.errors],
    };
  }
}
