// S6's load: signed-in users chatting as people do, at human rates, each in a few rooms and
// direct conversations: messages, typing notices, edits, reactions, read markers, rooms
// joined and left, conversations opened, connections dropped and resumed. The generator keeps
// a model of who is in which room (mix-model.ts), so that it knows who should receive every
// message, change and typing notice; RoomGate keeps membership changes apart from deliveries.
import type { Ack, ClientEventName, RequestOf } from '../../common/contract.js';
import type { SignedIn } from '../lib/sign-in.js';
import { BenchClient, nowMicros, type Reply } from './client.js';
import { messageText, type Dialect } from './dialect.js';
import type { Endpoint } from './light-socket.js';
import { mixLayout, seeded, type LayoutOptions } from './mix-layout.js';
import {
  MAX_ROOMS,
  OFFLINE_SECONDS,
  RATES,
  VISIT_SECONDS,
  after,
  editable,
  expectDelivery,
  isDirect,
  isPublic,
  newRoom,
  newUser,
  othersIn,
  removable,
  roomsOf,
  sent,
  type Activity,
  type Room,
  type RoomKind,
  type User,
} from './mix-model.js';
import { MixStats, type Action, type MixReport } from './mix-stats.js';

const EMOJI = ['👍', '❤️', '😂', '🎉', '👀', '🙏'];
/** How long a dropping connection waits for what was sent to it, in ms, before it closes. */
const SETTLE_MS = 5000;

export interface MixOptions {
  endpoint: Endpoint;
  dialect: Dialect;
  users: SignedIn[];
  layout: Omit<LayoutOptions, 'users'>;
  /** Multiplies every rate and divides every duration: 1 is people's pace. */
  speed: number;
  /** Users connecting and joining at once while setting up. */
  concurrency: number;
}

type Ok<E extends ClientEventName> = Extract<Reply<E>, { ok: true }>;

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export class Mix {
  private readonly users: User[] = [];
  private readonly rooms = new Map<string, Room>();
  private readonly publicRooms: Room[] = [];
  private readonly random: () => number;
  private readonly stats = new MixStats();
  /** The kind of room of each message stream, by the stream id its texts carry. */
  private readonly streamKinds: RoomKind[] = [];
  private phase: 'setup' | 'run' | 'window' = 'setup';
  /** Actions queued or under way. */
  private pending = 0;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; fire: () => void }>();
  private draining = false;

  private constructor(private readonly options: MixOptions) {
    this.random = seeded(options.layout.seed + 1);
  }

  /** Connects every user and puts each in its rooms and conversations; nothing is timed yet. */
  static async start(options: MixOptions): Promise<Mix> {
    const mix = new Mix(options);
    await mix.setup();
    return mix;
  }

  private async setup(): Promise<void> {
    const { users, dialect, endpoint, concurrency } = this.options;
    const layout = mixLayout({ ...this.options.layout, users: users.length });
    const sample = (_group: string, micros: number, stream: number): void => {
      const kind = this.streamKinds[stream];
      if (this.phase === 'window' && kind) this.stats.received(kind, micros);
    };
    users.forEach((u, i) => {
      this.users.push(
        newUser(u.userId, new BenchClient(i + 1, '', 'all', dialect, u.token, sample)),
      );
    });
    const user = (i: number): User => this.users[i] as User;
    await inParallel(this.users, concurrency, async (u) => {
      await u.client.connect(endpoint, { join: false });
      u.online = true;
    });
    // A room's members join one after another, so that who opens (and owns) it is settled.
    await inParallel(layout.rooms, concurrency, async (spec) => {
      const room = this.room(spec.name, spec.kind);
      this.publicRooms.push(room);
      for (const i of spec.members) await this.join(user(i), room, 'room:join');
    });
    await inParallel(layout.direct, concurrency, async ([a, b]) => {
      const room = await this.openDirect(user(a), user(b));
      if (!room) return;
      await this.join(user(a), room, 'room:join');
      await this.join(user(b), room, 'room:join');
    });
    this.phase = 'run';
  }

  private room(name: string, kind: RoomKind, participants?: User[]): Room {
    let room = this.rooms.get(name);
    if (!room) this.rooms.set(name, (room = newRoom(name, kind, participants)));
    return room;
  }

  /**
   * Runs the mix for `seconds`: every activity at its rate, its first action at once. With
   * `window`, what is sent is measured (ack and delivery latency, counts by kind).
   */
  async run(seconds: number, window = false): Promise<void> {
    this.phase = window ? 'window' : 'run';
    const activities = Object.keys(RATES) as Activity[];
    const done = new Map<Activity, number>(activities.map((a) => [a, 0]));
    const started = performance.now();
    for (;;) {
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= seconds) break;
      for (const activity of activities) {
        const rate = RATES[activity] * this.users.length * this.options.speed;
        const due = Math.floor(elapsed * rate) + 1;
        let n = done.get(activity) ?? 0;
        while (n < due && this.start(activity)) n++;
        // Nothing to act on yet (no message to react to, say): the action due is tried again
        // at the next tick, and any before it are dropped rather than piled up.
        if (n < due) {
          this.stats.skip(activity, due - 1 - n);
          n = due - 1;
        }
        done.set(activity, n);
      }
      await wait(Math.min(5, (seconds - elapsed) * 1000));
    }
    this.phase = 'run';
  }

  /** Finishes what is under way at once (visits end, dropped connections come back), then waits for every delivery. */
  async drain(quietMs = 2000): Promise<void> {
    this.draining = true;
    while (this.pending > 0 || this.timers.size > 0) {
      for (const entry of [...this.timers]) {
        clearTimeout(entry.timer);
        this.timers.delete(entry);
        entry.fire();
      }
      await wait(5);
    }
    let last = -1;
    let lastChange = performance.now();
    const missing = (u: User): boolean =>
      u.client.received < u.expected.messages || u.client.updates < u.expected.updates;
    while (this.users.some(missing)) {
      const got = this.users.reduce((n, u) => n + u.client.received + u.client.updates, 0);
      if (got !== last) {
        last = got;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > quietMs) break;
      await wait(5);
    }
  }

  report(): MixReport {
    return this.stats.report(this.users, this.rooms.values());
  }

  close(): void {
    for (const entry of this.timers) clearTimeout(entry.timer);
    this.timers.clear();
    for (const u of this.users) u.client.close();
  }

  // --- Scheduling -----------------------------------------------------------------------------

  /** Per activity: who can do it now, and doing it. */
  private readonly activities: Record<
    Activity,
    { who: (u: User) => boolean; act: (u: User) => Promise<void> }
  > = {
    roomMessage: {
      who: (u) => roomsOf(u, isPublic).length > 0,
      act: (u) => this.send(u, this.pick(roomsOf(u, isPublic)), 'message:send', 'roomMessage'),
    },
    directMessage: {
      who: (u) => roomsOf(u, isDirect).length > 0,
      act: (u) =>
        this.send(u, this.pick(roomsOf(u, isDirect)), 'message:send (direct)', 'directMessage'),
    },
    typing: { who: (u) => u.rooms.size > 0, act: (u) => this.typing(u) },
    edit: { who: (u) => editable(u).length > 0, act: (u) => this.edit(u) },
    reactionAdd: {
      who: (u) => roomsOf(u, (r) => othersIn(r, u).length > 0).length > 0,
      act: (u) => this.react(u),
    },
    reactionRemove: { who: (u) => removable(u).length > 0, act: (u) => this.unreact(u) },
    read: {
      who: (u) => roomsOf(u, (r) => r.lastId !== undefined).length > 0,
      act: (u) => this.read(u),
    },
    visit: { who: (u) => u.rooms.size < MAX_ROOMS, act: (u) => this.visit(u) },
    directOpen: { who: (u) => u.rooms.size < MAX_ROOMS, act: (u) => this.converse(u) },
    reconnect: { who: () => true, act: (u) => this.reconnect(u) },
  };

  /** Starts one action of a random online user who has something to do it on; false if none has. */
  private start(activity: Activity): boolean {
    const { who, act } = this.activities[activity];
    for (let tries = 0; tries < 32; tries++) {
      const user = this.pick(this.users);
      if (user?.online && who(user)) {
        this.enqueue(user, () => act(user));
        return true;
      }
    }
    return false;
  }

  /** A user does one thing at a time, as a person does: its actions queue behind each other. */
  private enqueue(user: User, work: () => Promise<void>): void {
    this.pending++;
    user.queue = user.queue
      .then(work)
      .catch((err: unknown) => {
        this.stats.errors.push((err as Error).message);
      })
      .finally(() => {
        this.pending--;
      });
  }

  /** Calls `fire` after `ms` (at once while draining). */
  private later(ms: number, fire: () => void): void {
    if (this.draining) {
      fire();
      return;
    }
    const entry = {
      timer: setTimeout(() => {
        this.timers.delete(entry);
        fire();
      }, ms),
      fire,
    };
    this.timers.add(entry);
  }

  /** A wait of between `range`'s bounds (in seconds) at the mix's speed. */
  private pause(range: readonly [number, number]): Promise<void> {
    const [min, max] = range;
    const ms = ((min + this.random() * (max - min)) * 1000) / this.options.speed;
    return new Promise((resolve) => {
      this.later(ms, resolve);
    });
  }

  /** An action found, by the time its turn came, nothing to act on. */
  private nothing(activity: Activity): void {
    this.stats.skip(activity);
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items[Math.floor(this.random() * items.length)];
  }

  // --- Requests, deliveries and membership ---------------------------------------------------

  /** Sends one request; counts it (outside setup, where a refusal stops the run) and times it. */
  private async call<E extends ClientEventName>(
    user: User,
    action: Action,
    event: E,
    payload: RequestOf<E>,
  ): Promise<Ok<E> | undefined> {
    const counted = this.phase !== 'setup';
    const inWindow = this.phase === 'window';
    if (counted) this.stats.sent(action, inWindow);
    const { reply, micros } = await user.client.request(event, payload);
    const ack = reply as Ack;
    if (ack.ok) {
      if (counted) this.stats.acked(action, inWindow, micros);
      return reply as Ok<E>;
    }
    const why = `${ack.error.code} ${ack.error.message}`;
    if (!counted) throw new Error(`setup: ${event} refused: ${why}`);
    this.stats.refused(action, inWindow, why);
    return undefined;
  }

  /** Runs one delivery in `room`, once no membership change of it is under way. */
  private async deliver(room: Room, work: () => Promise<void>): Promise<void> {
    const waited = await room.gate.enter();
    if (this.phase === 'window') this.stats.started(waited);
    try {
      await work();
    } finally {
      room.gate.exit();
    }
  }

  /** Runs one membership change of `rooms`, once no delivery in them is in flight. */
  private async change<T>(rooms: Iterable<Room>, work: () => Promise<T>): Promise<T> {
    const held = [...rooms];
    await Promise.all(held.map((r) => r.gate.hold()));
    try {
      return await work();
    } finally {
      for (const r of held) r.gate.release();
    }
  }

  private async join(user: User, room: Room, action: Action): Promise<boolean> {
    return this.change([room], async () => {
      if (!(await this.call(user, action, 'room:join', { room: room.name }))) return false;
      room.here.add(user);
      user.rooms.add(room);
      return true;
    });
  }

  private async leave(user: User, room: Room): Promise<void> {
    if (!user.rooms.has(room)) return;
    await this.change([room], async () => {
      if (!(await this.call(user, 'room:leave', 'room:leave', { room: room.name }))) return;
      room.here.delete(user);
      user.rooms.delete(room);
    });
  }

  private async openDirect(user: User, partner: User): Promise<Room | undefined> {
    const ok = await this.call(user, 'dm:open', 'dm:open', { users: [partner.id] });
    if (!ok) return undefined;
    const room = this.room(ok.room, 'direct', [user, partner]);
    user.partners.add(partner);
    partner.partners.add(user);
    user.direct.add(room);
    partner.direct.add(room);
    // A partner dropping or resuming its connection holds its conversations: this one too
    // (new, so nothing is in flight in it).
    if (partner.transition && !partner.transition.has(room)) {
      partner.transition.add(room);
      void room.gate.hold();
    }
    return room;
  }

  // --- Activities -------------------------------------------------------------------------------

  private async send(
    user: User,
    room: Room | undefined,
    action: Action,
    activity: Activity,
  ): Promise<void> {
    if (!room) {
      this.nothing(activity);
      return;
    }
    await this.deliver(room, async () => {
      let stream = user.streams.get(room);
      if (!stream) {
        stream = { id: this.streamKinds.length, seq: 0 };
        this.streamKinds.push(room.kind);
        user.streams.set(room, stream);
      }
      const seq = ++stream.seq;
      const ok = await this.call(user, action, 'message:send', {
        room: room.name,
        text: messageText(nowMicros(), stream.id, seq),
        clientId: `s${stream.id}_${seq}`,
      });
      if (!ok) return;
      sent(room, user, ok.message.id);
      expectDelivery(room, user, 'messages');
    });
  }

  private async typing(user: User): Promise<void> {
    const room = this.pick([...user.rooms]);
    if (!room) {
      this.nothing('typing');
      return;
    }
    await this.deliver(room, async () => {
      user.typing = !user.typing;
      const request = { room: room.name, typing: user.typing };
      if (await this.call(user, 'typing', 'typing', request)) {
        expectDelivery(room, user, 'typings');
      }
    });
  }

  private async edit(user: User): Promise<void> {
    const mine = editable(user).at(-1);
    if (!mine) {
      this.nothing('edit');
      return;
    }
    const { room, id } = mine;
    await this.deliver(room, async () => {
      const text = `edited: ${messageText(nowMicros(), 0, 0)}`;
      if (await this.call(user, 'message:edit', 'message:edit', { room: room.name, id, text })) {
        expectDelivery(room, user, 'updates');
      }
    });
  }

  private async react(user: User): Promise<void> {
    const room = this.pick(roomsOf(user, (r) => othersIn(r, user).length > 0));
    const message = room && this.pick(othersIn(room, user));
    const emoji = EMOJI.find(
      (e) => !user.reactions.some((x) => x.id === message?.id && x.emoji === e),
    );
    if (!room || !message || !emoji) {
      this.nothing('reactionAdd');
      return;
    }
    await this.deliver(room, async () => {
      const request = { room: room.name, id: message.id, emoji };
      if (!(await this.call(user, 'reaction:add', 'reaction:add', request))) return;
      user.reactions.push({ room, id: message.id, emoji });
      expectDelivery(room, user, 'updates');
    });
  }

  private async unreact(user: User): Promise<void> {
    const reaction = removable(user)[0];
    if (!reaction) {
      this.nothing('reactionRemove');
      return;
    }
    const { room, id, emoji } = reaction;
    await this.deliver(room, async () => {
      const request = { room: room.name, id, emoji };
      if (!(await this.call(user, 'reaction:remove', 'reaction:remove', request))) return;
      user.reactions.splice(user.reactions.indexOf(reaction), 1);
      expectDelivery(room, user, 'updates');
    });
  }

  /** Marks a room read up to its newest message: nobody else hears of it (one tab each here). */
  private async read(user: User): Promise<void> {
    const room = this.pick(roomsOf(user, (r) => r.lastId !== undefined));
    if (!room?.lastId) {
      this.nothing('read');
      return;
    }
    await this.call(user, 'room:read', 'room:read', { room: room.name, id: room.lastId });
  }

  private async visit(user: User): Promise<void> {
    const room = this.pick(this.publicRooms.filter((r) => !user.rooms.has(r)));
    if (!room) {
      this.nothing('visit');
      return;
    }
    if (!(await this.join(user, room, 'room:join'))) return;
    void this.pause(VISIT_SECONDS).then(() => {
      this.enqueue(user, () => this.leave(user, room));
    });
  }

  /** Opens a conversation with someone new, joins it and writes in it. */
  private async converse(user: User): Promise<void> {
    const partner = this.pick(
      this.users.filter((p) => p !== user && p.online && !user.partners.has(p)),
    );
    if (!partner) {
      this.nothing('directOpen');
      return;
    }
    const room = await this.openDirect(user, partner);
    if (!room || !(await this.join(user, room, 'room:join'))) return;
    await this.send(user, room, 'message:send (direct)', 'directOpen');
  }

  /**
   * Drops the connection and, after a while offline, connects again and rejoins every room
   * with `since`, as a client resuming does. Before dropping, everything sent to the user has
   * arrived, so the newest message of each room is where it resumes from; what is sent
   * meanwhile should come back in the join's replay.
   */
  private async reconnect(user: User): Promise<void> {
    const inWindow = this.phase === 'window';
    this.stats.sent('reconnect', inWindow);
    await this.transition(user, [...user.rooms, ...user.direct], async () => {
      await this.receivedAll(user);
      for (const room of user.rooms) {
        room.here.delete(user);
        room.away.set(user, { since: room.lastId, missed: 0 });
      }
      user.online = false;
      user.client.close();
    });
    await this.pause(OFFLINE_SECONDS);
    // Its conversations' messages reach it as soon as it is connected, joined or not.
    await this.transition(user, [...user.direct], async () => {
      const micros = await user.client.connect(this.options.endpoint, { join: false });
      user.online = true;
      this.stats.acked('reconnect', inWindow, micros);
    });
    await Promise.all([...user.rooms].map((room) => this.resume(user, room)));
  }

  /**
   * Holds `rooms` while `work` changes the user's membership of all of them (a conversation
   * opened with the user meanwhile is held too).
   */
  private async transition(user: User, rooms: Room[], work: () => Promise<void>): Promise<void> {
    const held = new Set(rooms);
    user.transition = new Set(rooms);
    try {
      await this.change(held, work);
    } finally {
      for (const r of user.transition) if (!held.has(r)) r.gate.release();
      user.transition = undefined;
    }
  }

  /**
   * Rejoins a room with `since`. What was sent to it while the user was away comes back in the
   * replay: messages of a conversation sent after the reconnect came live too, and again here.
   */
  private async resume(user: User, room: Room): Promise<void> {
    await this.change([room], async () => {
      const away = room.away.get(user);
      room.away.delete(user);
      const since = away?.since;
      const ok = await this.call(user, 'room:join (resumed)', 'room:join', {
        room: room.name,
        ...(since === undefined ? {} : { since }),
      });
      if (!ok) {
        user.rooms.delete(room);
        return;
      }
      room.here.add(user);
      // The replay holds the messages sent since, and older ones changed since: count the new.
      const fresh = ok.history.filter((m) => since === undefined || after(m.id, since)).length;
      this.stats.replayed.expected += away?.missed ?? 0;
      this.stats.replayed.received += fresh;
    });
  }

  /** Waits until every message and change sent to the user has arrived (typing notices briefly). */
  private async receivedAll(user: User): Promise<void> {
    const { client, expected } = user;
    const until = performance.now() + SETTLE_MS;
    while (
      (client.received < expected.messages || client.updates < expected.updates) &&
      performance.now() < until
    ) {
      await wait(1);
    }
    const typingUntil = performance.now() + 20;
    while (client.typings < expected.typings && performance.now() < typingUntil) await wait(1);
  }
}
