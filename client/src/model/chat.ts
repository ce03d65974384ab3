import { io } from 'socket.io-client';
import {
  ErrorCode,
  RETRYABLE_CODES,
  type Ack,
  type AckedEventName,
  type ChangeResult,
  type ConnectErrorData,
  type Invitation,
  type Member,
  type Message,
  type RequestOf,
  type ResultOf,
  type RoomSummary,
} from '../../../common/contract.js';
import { requestWithAck, type ChatClientSocket } from '../../../common/request.js';
import {
  RECONNECTION,
  timingsOf,
  type ChatEvent,
  type ChatOptions,
  type Timings,
} from './chat-options.js';
import { createModeration, createReports, NoAnswer } from './commands.js';
import type { JoinProblem, SessionEnd } from './notices.js';
import { Connection, ConnectionState } from './connection-state.js';
import { atLeast, outranks, type Role } from '../../../common/roles.js';
import { defaultOutboxOptions, Outbox, type OutgoingMessage } from './outbox.js';
import { isDirectRoom, Room } from './room.js';
import { compareIds } from './timeline.js';
import { realScheduler, Timers, type Timer } from '../../../common/timers.js';

export type { ChatEvent, ChatOptions, Transport } from './chat-options.js';
export type { Role } from '../../../common/roles.js';
export type { OutgoingMessage } from './outbox.js';
export type { Room } from './room.js';

type Listener = (event: ChatEvent) => void;

/** A rejoin replays at least this much before the newest message held, in ms (see resumeId). */
const RESUME_MARGIN_MS = 2000;
/**
 * How long a message named as `prev` may stay missing before the room catches up, in ms:
 * broadcasts relayed by different nodes, or a broadcast and this client's own ack, can
 * arrive out of order, and the missing one usually follows within moments.
 */
const HOLE_GRACE_MS = 1000;
/** Tries of an edit, a deletion or a reaction before the error is shown. */
const CHANGE_ATTEMPTS = 3;

/** How long a read marker waits for more to read before it goes, in ms. */
const READ_DELAY_MS = 500;

type ChangeEvent = 'message:edit' | 'message:delete' | 'reaction:add' | 'reaction:remove';

/** The later of a marker held and one received (positions compare like ids). */
const laterOf = (held: string | undefined, next: string | undefined): string | undefined =>
  held === undefined || (next !== undefined && compareIds(next, held) > 0) ? next : held;

/**
 * The chat as a person sees it: one Socket.IO connection, the rooms it is in, and the
 * messages waiting to be acknowledged. It knows nothing of the DOM: page visibility and the
 * network's state come in through `setVisible` and `setOnline`, and every timer it starts is
 * its own, cleared by `stop()`. The view renders it; Node programs and tests drive it alike.
 */
export class Chat {
  /** The signed-in user; their name follows renames. */
  user: Member;
  self: Member | undefined;
  /**
   * The user is an operator (`ADMIN_USERS`), as the last `room:join` ack said: they rank
   * above every room's owner, and may suspend accounts and delete rooms.
   */
  operator = false;
  /** Why the chat stopped for good (signed out), if it did. */
  signedOut: SessionEnd | undefined;
  readonly rooms = new Map<string, Room>();
  current: string | undefined;
  directory: RoomSummary[] = [];
  /** Invitations to private rooms waiting for the user's answer, oldest first. */
  invitations: Invitation[] = [];
  /** Why the user is not in the room they asked for, or were in, until dismissed. */
  joinError: JoinProblem | undefined;
  /** Why the server refused the last handshake, while the chat waits to try again. */
  connectError: string | undefined;
  readonly connectionInfo = new Connection((change) => {
    if (change) this.emit({ type: 'connection', change });
    this.changed();
  });

  /** Kick, ban, mute, roles, settings, invitations, the audit list, operators' tools. */
  readonly moderation = createModeration((event, payload) => this.request(event, payload));
  /** Reporting messages, and the lists of reports of the rooms the user runs. */
  readonly reports = createReports({
    request: (event, payload) => this.request(event, payload),
    rooms: this.rooms,
    isStaff: (room) => this.isStaff(room),
    isConnected: () => this.isConnected(),
    changed: () => {
      this.changed();
    },
  });

  private readonly socket: ChatClientSocket;
  private readonly timers: Timers;
  private readonly timings: Timings;
  private readonly sends: Outbox;
  private readonly listeners = new Set<Listener>();
  private readonly waiters = new Set<() => void>();
  private changeQueued = false;
  private visible: boolean;
  private directoryTimer: Timer | undefined;
  /**
   * When each user was last seen going from the rooms this client shares with them, in ms
   * since the epoch: what a conversation's header can say of someone no longer there.
   */
  private readonly lastSeenAt = new Map<string, number>();
  private readonly followServerRooms: boolean;
  /** The browser says the network is gone: the chat waits for it to come back. */
  private browserOffline = false;
  private stopped = false;
  private livenessTimer: Timer | undefined;
  /** Per room the user is muted in until a time: the next change of what the composer says. */
  private readonly muteTimers = new Map<Room, Timer>();
  /** An `alive` request without its ack yet: the connection is closed if none comes in time. */
  private livenessWait: Timer | undefined;

  constructor(options: ChatOptions) {
    this.user = options.user;
    this.visible = options.visible ?? true;
    this.followServerRooms = options.followServerRooms ?? false;
    this.timers = new Timers(options.scheduler ?? realScheduler);
    this.timings = timingsOf(options);
    this.sends = new Outbox({
      timers: this.timers,
      options: { ...defaultOutboxOptions, ...options.outbox },
      send: ({ room, text, clientId, replyTo }) =>
        this.request('message:send', {
          room,
          text,
          clientId,
          ...(replyTo === undefined ? {} : { replyTo }),
        }),
      canSend: (room) => this.isConnected() && this.rooms.get(room)?.joined === true,
      connected: () => this.isConnected(),
      delivered: (_item, message) => {
        this.emit({ type: 'sent', message });
        this.show(message, true);
      },
      notInRoom: (room) => {
        const state = this.rooms.get(room);
        if (state) state.joined = false;
        void this.joinOnServer(room);
      },
      refused: (item, error) => {
        // A mute this client had not heard of (given before it joined): the composer says so.
        if (error.code !== ErrorCode.MUTED) return;
        const room = this.rooms.get(item.room);
        if (!room) return;
        room.muted.set(this.user.id, {
          member: this.user,
          ...(error.until === undefined ? {} : { until: error.until }),
        });
        this.watchMute(room);
      },
      changed: () => {
        this.changed();
      },
    });
    for (const room of options.rooms) this.rooms.set(room, new Room(room, this.timers));
    this.current = options.current ?? options.rooms[0];
    const settings = {
      ...RECONNECTION,
      ...(options.auth ? { auth: { ...options.auth } } : {}),
      ...(options.transports ? { transports: options.transports } : {}),
      ...options.socket,
      autoConnect: false,
    };
    this.socket = options.url === undefined ? io(settings) : io(options.url, settings);
    this.listen();
  }

  start(): void {
    this.socket.connect();
  }

  /** Disconnects and cancels every timer; the chat does nothing more afterwards. */
  stop(): void {
    this.stopped = true;
    this.timers.clear();
    for (const room of this.rooms.values()) room.disconnected();
    this.socket.disconnect();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get connection(): ConnectionState {
    return this.connectionInfo.state;
  }

  get transport(): string | undefined {
    return this.connectionInfo.transport;
  }

  /** Timers still waiting to fire (none after `stop()`). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Messages waiting for an ack, oldest first. */
  get outbox(): readonly OutgoingMessage[] {
    return this.sends.items;
  }

  /**
   * Whether a user is online as far as this client can tell (listed in a room or
   * conversation it holds), or when they were last seen going, if it saw that.
   */
  presenceOf(userId: string): { online: true } | { online: false; lastSeen?: number } {
    for (const room of this.rooms.values()) {
      if (room.presence.members.has(userId)) return { online: true };
    }
    const lastSeen = this.lastSeenAt.get(userId);
    return lastSeen === undefined ? { online: false } : { online: false, lastSeen };
  }

  get currentRoom(): Room | undefined {
    return this.current === undefined ? undefined : this.rooms.get(this.current);
  }

  /** The socket's Socket.IO id while connected. */
  get socketId(): string | undefined {
    return this.socket.id;
  }

  pendingFor(room: string): OutgoingMessage[] {
    return this.sends.pendingFor(room);
  }

  /**
   * Resolves once `condition` holds, checked after every change; rejects after `timeoutMs`.
   * For programs and tests that must wait for a state rather than for time.
   */
  until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.timers.after(timeoutMs, () => {
        this.waiters.delete(check);
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      });
      const check = () => {
        if (!condition()) return;
        timer.cancel();
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Resolves once connected and in every room. */
  ready(timeoutMs?: number): Promise<void> {
    const inEveryRoom = () => [...this.rooms.values()].every((r) => r.joined);
    return this.until(() => this.isConnected() && inEveryRoom(), timeoutMs);
  }

  // --- inputs from the page ---

  /** The page became visible or hidden: hidden pages count unread and skip refreshes. */
  setVisible(visible: boolean): void {
    if (!visible) this.flushRead(this.currentRoom);
    this.visible = visible;
    if (visible && this.current !== undefined) this.select(this.current);
  }

  /**
   * The browser went offline or online. Offline, the connection is closed at once (a socket
   * the browser cannot use may look open until Engine.IO's heartbeat gives up, 45 s) and
   * messages wait; online, it reconnects at once rather than after socket.io-client's
   * backoff, and what waited is sent.
   */
  setOnline(online: boolean): void {
    if (this.stopped) return;
    this.browserOffline = !online;
    if (!online) {
      this.socket.disconnect();
      this.connectionInfo.set(ConnectionState.offline);
    } else if (!this.socket.active) {
      this.connectionInfo.set(ConnectionState.reconnecting);
      this.socket.connect();
    }
  }

  // --- commands from the view ---

  select(room: string, joinIfNeeded = true): void {
    const state = this.rooms.get(room);
    if (!state) return;
    const arriving = this.current !== room || state.unread > 0;
    if (this.current !== room) this.flushRead(this.currentRoom);
    this.current = room;
    if (arriving && this.visible) state.opened(this.user.id);
    this.markRead(state);
    // A conversation that only counted its messages so far is joined once opened.
    if (joinIfNeeded && !state.joined && state.timeline.messageCount === 0 && this.isConnected()) {
      void this.joinOnServer(room);
    }
    this.changed();
  }

  async join(room: string): Promise<void> {
    this.joinError = undefined;
    this.roomOf(room);
    this.select(room, false);
    if (this.isConnected()) await this.joinOnServer(room);
  }

  /**
   * Opens (or finds) the direct conversation with these users, joins it and brings it into
   * view; resolves with the server's sentence when refused, or undefined (rejects with
   * `NoAnswer`).
   */
  async openDirect(userIds: string[]): Promise<string | undefined> {
    const ack = await this.request('dm:open', { users: userIds });
    if (!ack.ok) return ack.error.message;
    this.roomOf(ack.room).participants = ack.participants;
    await this.join(ack.room);
    return undefined;
  }

  /** The room of this name, added (not joined) if the client did not hold it. */
  private roomOf(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name, this.timers);
      this.rooms.set(name, room);
    }
    return room;
  }

  /**
   * Tells the server how far the user has read the room in view, so that their other tabs
   * and devices clear it too: the newest position held, once it is past the marker.
   */
  private markRead(room: Room): void {
    // One marker per room and READ_DELAY_MS at most, however fast messages come: a marker
    // per message would spend the connection's event allowance in a busy room.
    if (room.readSoon || !this.unreadInView(room)) return;
    room.readSoon = this.timers.after(READ_DELAY_MS, () => {
      room.readSoon = undefined;
      this.sendRead(room);
    });
  }

  /** The room is in view, joined, and holds something past its read marker. */
  private unreadInView(room: Room): boolean {
    const newest = room.timeline.newestId;
    if (!this.visible || this.current !== room.name || !room.joined || newest === undefined) {
      return false;
    }
    return room.readUpTo === undefined || compareIds(newest, room.readUpTo) > 0;
  }

  /** The room leaves the user's view: what they saw in it is read now, not after the delay. */
  private flushRead(room: Room | undefined): void {
    if (!room?.readSoon) return;
    room.readSoon.cancel();
    room.readSoon = undefined;
    this.sendRead(room);
  }

  private sendRead(room: Room): void {
    const newest = room.timeline.newestId;
    if (!this.unreadInView(room) || newest === undefined) return;
    room.readUpTo = newest;
    this.request('room:read', { room: room.name, id: newest }).then(
      (ack) => {
        if (ack.ok) room.readUpTo = laterOf(room.readUpTo, ack.id);
      },
      () => undefined,
    );
  }

  /**
   * "Mark all as read": every room and conversation, here and on the server, so that the
   * user's other tabs and devices clear their counts too. Resolves with the server's
   * sentence when refused, or undefined (rejects with `NoAnswer`).
   */
  async markAllRead(): Promise<string | undefined> {
    const ack = await this.request('rooms:read-all', {});
    if (!ack.ok) return ack.error.message;
    for (const { room: name, id } of ack.rooms) {
      const room = this.rooms.get(name);
      if (room) room.readUpTo = laterOf(room.readUpTo, id);
    }
    // Rooms with nothing in them yet have no marker, and nothing unread either.
    for (const room of this.rooms.values()) {
      room.unread = 0;
      room.mentions = 0;
    }
    this.changed();
    return undefined;
  }

  /**
   * The server's counts of what is unread, for every room and conversation of the user. With
   * `counts` false only who is in each conversation and the read markers are taken: a
   * conversation first heard of by its live messages counts them as they come, and a
   * snapshot taken between two of them would undo the later one.
   */
  private refreshState(counts = true): void {
    if (!this.isConnected()) return;
    this.request('rooms:state', {}).then(
      (ack) => {
        if (!ack.ok) return;
        for (const state of ack.rooms) {
          const direct = isDirectRoom(state.room);
          if (!direct && !this.rooms.has(state.room)) continue; // a room the user left
          const room = this.roomOf(state.room);
          if (state.participants) room.participants = state.participants;
          room.readUpTo = laterOf(room.readUpTo, state.read);
          if (this.current === room.name && this.visible) {
            this.markRead(room);
            continue;
          }
          if (!counts) continue;
          room.unread = state.unread;
          room.mentions = state.mentions;
        }
        this.changed();
      },
      () => undefined,
    );
  }

  async leave(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    const wasJoined = state.joined;
    this.forget(room);
    if (wasJoined && this.isConnected()) {
      await this.request('room:leave', { room }).catch(() => undefined);
      this.refreshDirectory();
    }
  }

  /**
   * Queues a message (to the room in view by default), as a reply to message `replyTo` if
   * given; it shows as pending until acknowledged.
   */
  send(text: string, room = this.current, replyTo?: string): void {
    const trimmed = text.trim();
    if (room === undefined || !this.rooms.has(room) || trimmed === '') return;
    this.sends.add(room, trimmed, replyTo);
  }

  /** Replaces the text of one of the user's messages; resolves with an error to show, if any. */
  edit(room: string, id: string, text: string): Promise<string | undefined> {
    return this.change('message:edit', { room, id, text: text.trim() });
  }

  /** Deletes one of the user's messages, leaving a tombstone. */
  deleteMessage(room: string, id: string): Promise<string | undefined> {
    return this.change('message:delete', { room, id });
  }

  /** Adds the user's reaction to a message, or takes it back if it is there. */
  toggleReaction(room: string, id: string, emoji: string): Promise<string | undefined> {
    const held = this.rooms.get(room)?.timeline.get(id);
    const mine = held?.reactions?.some(
      (r) => r.emoji === emoji && r.users.some((u) => u.id === this.user.id),
    );
    return this.change(mine ? 'reaction:remove' : 'reaction:add', { room, id, emoji });
  }

  /**
   * Sends a change and shows what the server made of it. Each of these requests can be
   * repeated without harm (an edit to the same text, a reaction already there change
   * nothing), so a lost ack or a retryable refusal is simply tried again, a few times.
   */
  private async change<E extends ChangeEvent>(
    event: E,
    payload: RequestOf<E>,
  ): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      let ack: Ack<ChangeResult> | undefined;
      try {
        // Every change event's ack is the same result (the contract's ChangeResult).
        ack = (await this.request(event, payload)) as Ack<ChangeResult>;
      } catch {
        ack = undefined;
      }
      if (ack?.ok) {
        this.show(ack.message, true);
        return undefined;
      }
      const retryable = ack === undefined || RETRYABLE_CODES.includes(ack.error.code);
      if (!retryable || attempt >= CHANGE_ATTEMPTS || !this.isConnected()) {
        return ack?.error.message ?? 'The server did not confirm the change; try again.';
      }
      await new Promise<void>((resolve) => this.timers.after(this.timings.joinRetryMs, resolve));
    }
  }

  /** The user has read why a join failed or why they left a room: the alert goes. */
  dismissJoinError(): void {
    this.joinError = undefined;
    this.changed();
  }

  // --- moderation (docs/protocol.md, section 9) ---

  /**
   * A user's role in a room, the signed-in user's by default; `member` for rooms not held.
   * The user is `operator` in every room but direct conversations, which have no moderators.
   */
  roleIn(room: string, userId = this.user.id): Role {
    const held = this.rooms.get(room);
    if (!held) return 'member';
    if (userId === this.user.id && this.operator && held.kind === 'room') return 'operator';
    return held.roleOf(userId);
  }

  /** Whether the user ranks moderator or above in `room`: they see and resolve its reports. */
  isStaff(room: string): boolean {
    return atLeast(this.roleIn(room), 'moderator');
  }

  /** Whether the user may moderate `userId` in `room`: kick, ban, mute, remove their messages. */
  mayModerate(room: string, userId: string): boolean {
    return userId !== this.user.id && outranks(this.roleIn(room), this.roleIn(room, userId));
  }

  /**
   * Creates a room with its settings, owned by the user, and joins it; resolves with the
   * server's sentence when refused (the room exists, say).
   */
  async createRoom(
    room: string,
    settings: { private: boolean; topic: string },
  ): Promise<string | undefined> {
    const topic = settings.topic.trim();
    const ack = await this.request('room:create', {
      room,
      ...(settings.private ? { private: true } : {}),
      ...(topic === '' ? {} : { topic }),
    });
    if (!ack.ok) return ack.error.message;
    this.roomOf(room).info = ack.info;
    await this.join(room);
    return this.joinError?.type === 'refused' ? this.joinError.message : undefined;
  }

  retry(clientId: string): void {
    this.sends.retry(clientId);
  }

  discard(clientId: string): void {
    this.sends.discard(clientId);
  }

  async loadEarlier(): Promise<void> {
    const state = this.currentRoom;
    const before = state?.timeline.oldestId();
    if (!state || before === undefined || state.loadingEarlier || !state.joined) return;
    state.loadingEarlier = true;
    this.changed();
    try {
      const ack = await this.request('history:fetch', { room: state.name, before });
      if (ack.ok) {
        state.timeline.prepend(ack.messages, (m) => this.isOwn(m));
        state.timeline.hasMore = ack.hasMore;
      }
    } catch {
      // An ack timeout: the button stays, the user can try again.
    } finally {
      state.loadingEarlier = false;
      this.changed();
    }
  }

  /**
   * Brings message `id` of `room` into the timeline for a link to it: waits for the join,
   * then loads earlier history page by page until it is held. `refused` when the room could
   * not be joined (a private room, a conversation of others), `missing` when the history
   * ran out (deleted long ago, trimmed, or never there).
   */
  async findMessage(
    room: string,
    id: string,
    maxPages = 40,
  ): Promise<'found' | 'missing' | 'refused'> {
    const state = this.rooms.get(room);
    if (!state) return 'refused';
    try {
      await this.until(() => state.joined || this.rooms.get(room) !== state);
    } catch {
      return 'refused';
    }
    for (let page = 0; ; page++) {
      if (this.rooms.get(room) !== state || !state.joined) return 'refused';
      if (state.timeline.get(id)) return 'found';
      if (!state.timeline.hasMore || page >= maxPages || this.current !== room) return 'missing';
      if (state.loadingEarlier) await this.until(() => !state.loadingEarlier);
      else await this.loadEarlier();
    }
  }

  setTyping(typing: boolean): void {
    const room = this.currentRoom;
    if (room?.joined) this.socket.volatile.emit('typing', { room: room.name, typing });
  }

  /** The user changed their name (the page did it through the HTTP API). */
  renamed(member: Member): void {
    if (member.id !== this.user.id) return;
    this.user = member;
    if (this.self?.id === member.id) this.self = member;
    this.changed();
  }

  /** The session ended: stop for good and say why. */
  private endSession(end: SessionEnd): void {
    if (this.signedOut !== undefined) return;
    this.signedOut = end;
    this.stop();
    this.connectionInfo.set(ConnectionState.offline);
    this.emit({ type: 'signed-out', ...end });
  }

  // --- socket events ---

  private listen(): void {
    this.listenConnection();
    this.listenMessages();
    this.listenModeration();
    this.listenPresence();
    this.listenMine();
  }

  /**
   * The user's rooms follow them: at connect the server's list is joined along with the rooms
   * held here, and a join, a leave or an invitation on another tab or device arrives live.
   */
  private async joinMyRooms(): Promise<void> {
    const held = [...this.rooms.keys()];
    let ack: ResultOf<'rooms:mine'> | undefined;
    try {
      ack = await this.request('rooms:mine', {});
    } catch {
      ack = undefined; // no answer: the rooms held here are joined all the same
    }
    if (ack?.ok) {
      this.invitations = ack.invitations;
      const mine = new Set(ack.rooms);
      // An empty list is a user new to the server (or one that lost its memory): keep ours.
      if (this.followServerRooms && mine.size > 0) {
        for (const room of held) {
          if (!mine.has(room) && !isDirectRoom(room) && !this.rooms.get(room)?.joined) {
            this.forget(room);
          }
        }
      }
      for (const room of ack.rooms) this.roomOf(room);
      this.current ??= this.rooms.keys().next().value;
    }
    for (const room of this.rooms.keys()) void this.joinOnServer(room);
    this.changed();
  }

  private listenMine(): void {
    const socket = this.socket;
    socket.on('room:membership', ({ room, action }) => {
      if (action === 'join' && !this.rooms.has(room)) {
        this.roomOf(room);
        this.current ??= room;
        void this.joinOnServer(room);
        this.changed();
      } else if (action === 'leave' && this.rooms.has(room)) {
        void this.leave(room);
      }
    });
    socket.on('invitation', ({ invitation }) => {
      this.invitations = [
        ...this.invitations.filter((i) => i.room !== invitation.room),
        invitation,
      ];
      this.changed();
    });
    socket.on('invitation:gone', ({ room }) => {
      this.dropInvitation(room);
    });
  }

  private dropInvitation(room: string): void {
    this.invitations = this.invitations.filter((i) => i.room !== room);
    this.changed();
  }

  /** Joins the room of an invitation (which answers it, on every tab) and brings it into view. */
  async acceptInvitation(room: string): Promise<void> {
    await this.join(room);
    if (this.rooms.get(room)?.joined) this.dropInvitation(room);
  }

  /** Declines an invitation; resolves with the server's sentence when refused. */
  async declineInvitation(room: string): Promise<string | undefined> {
    const ack = await this.request('invitation:decline', { room });
    // Declined already (on another tab): it goes here too.
    if (ack.ok || ack.error.code === ErrorCode.NOT_FOUND) {
      this.dropInvitation(room);
      return undefined;
    }
    return ack.error.message;
  }

  /** The connection's life: connect, disconnect, refusals, the end of the session. */
  private listenConnection(): void {
    const socket = this.socket;
    this.connectionInfo.watch(socket.io);
    socket.on('connect', () => {
      this.connectError = undefined;
      this.connectionInfo.set(ConnectionState.connected);
      void this.joinMyRooms();
      this.refreshDirectory();
      this.refreshState();
      this.directoryTimer?.cancel();
      this.directoryTimer = this.timers.every(this.timings.directoryRefreshMs, () => {
        if (this.visible) this.refreshDirectory();
      });
      this.watchLiveness();
    });
    socket.on('disconnect', (reason) => {
      this.directoryTimer?.cancel();
      this.stopLiveness();
      for (const room of this.rooms.values()) room.disconnected();
      if (reason === 'io server disconnect' && this.signedOut === undefined) {
        // Sent away (for flooding), or signed out with the notice lost on the way: ask
        // again later, and a handshake that is refused as unauthorised ends the session.
        this.reconnectLater();
      }
      const retrying = socket.active || reason === 'io server disconnect';
      this.connectionInfo.set(retrying ? ConnectionState.reconnecting : ConnectionState.offline);
    });
    socket.on('connect_error', (err: Error & { data?: Partial<ConnectErrorData> }) => {
      const code = err.data?.code;
      if (code === ErrorCode.UNAUTHORIZED || code === ErrorCode.NAME_TAKEN) {
        this.endSession({ reason: 'refused', message: err.message });
        return;
      }
      if (!socket.active) {
        // Refused by the server's middleware for a reason that may pass (too many
        // connections, storage away): socket.io-client does not retry these by itself.
        this.connectError = err.message;
        this.reconnectLater();
        this.connectionInfo.set(ConnectionState.reconnecting);
      } else if (this.connection === ConnectionState.connected) {
        this.connectionInfo.set(ConnectionState.reconnecting);
      }
    });
    socket.on('resync', () => {
      // The node's link to the others was down: whatever was broadcast meanwhile is fetched.
      for (const room of this.rooms.values()) if (room.joined) void this.joinOnServer(room.name);
    });
    socket.on('session:ended', ({ reason }) => {
      this.endSession({ reason });
    });
    socket.io.on('reconnect_attempt', () => {
      this.connectionInfo.set(ConnectionState.reconnecting);
    });
  }

  /** Connects again after `kickedReconnectMs`, unless the browser is offline by then. */
  private reconnectLater(): void {
    this.timers.after(this.timings.kickedReconnectMs, () => {
      if (!this.browserOffline) this.socket.connect();
    });
  }

  /**
   * Asks for an `alive` ack every few seconds on the chat's clock. A connection that stops
   * answering is closed, so that socket.io-client reconnects and the status and the outbox
   * know within seconds, not at Engine.IO's heartbeat timeout.
   */
  private watchLiveness(): void {
    this.stopLiveness();
    const engine = this.socket.io.engine;
    // Whatever the server sends shows the link alive: a server too busy to answer in time
    // while it still sends is slow, not gone, and closing its connection would not help.
    let heard = 0;
    engine.on('packet', () => {
      heard++;
    });
    this.livenessTimer = this.timers.every(this.timings.livenessIntervalMs, () => {
      if (this.livenessWait || !this.isConnected()) return;
      const heardBefore = heard;
      const judge = () => {
        this.livenessWait = undefined;
        if (this.stopped || heard !== heardBefore || !this.isConnected()) return;
        if (this.socket.io.engine !== engine) return;
        engine.close();
      };
      // Counted in steps, so that a freeze of this page or process is not taken for the
      // server's silence; and judged once what arrived by the last step has been read.
      const wait = this.timers.afterRunning(this.timings.livenessTimeoutMs, () => {
        globalThis.setTimeout(judge, 0);
      });
      this.livenessWait = wait;
      this.socket.emit('alive', {}, () => {
        wait.cancel();
        if (this.livenessWait === wait) this.livenessWait = undefined;
      });
    });
  }

  private stopLiveness(): void {
    this.livenessTimer?.cancel();
    this.livenessWait?.cancel();
    this.livenessTimer = undefined;
    this.livenessWait = undefined;
  }

  /** Messages, their changes, and how far the user has read. */
  private listenMessages(): void {
    const socket = this.socket;
    socket.on('message', (message) => {
      this.receive(message);
    });
    socket.on('message:updated', (message) => {
      this.receiveChange(message);
    });
    socket.on('message:deleted', ({ room, id, pos, prev, removedByModerator }) => {
      const held = this.rooms.get(room)?.timeline.get(id);
      if (held) {
        const { reactions: _gone, ...rest } = held;
        this.receiveChange({
          ...rest,
          text: '',
          deleted: true,
          pos,
          ...(prev ? { prev } : {}),
          ...(removedByModerator ? { removedByModerator } : {}),
        });
      } else {
        const state = this.rooms.get(room);
        if (state) this.checkContinuity(state, prev);
        state?.timeline.reached(pos);
      }
    });
    socket.on('mention', ({ message }) => {
      this.emit({ type: 'mention', message });
    });
    socket.on('room:read', ({ room: name, id }) => {
      const room = this.rooms.get(name);
      if (!room) return;
      room.readUpTo = laterOf(room.readUpTo, id);
      const counts = room.countAfter(room.readUpTo, this.user.id);
      room.unread = Math.min(room.unread, counts.unread);
      room.mentions = Math.min(room.mentions, counts.mentions);
      this.changed();
    });
  }

  /** Sanctions, roles and settings, removals from a room, and reports. */
  private listenModeration(): void {
    const socket = this.socket;
    socket.on('room:removed', (event) => {
      // Taken out by a moderator: the room is dropped here too, not rejoined, and the page
      // says why (and until when, for a ban).
      if (!this.rooms.has(event.room)) return;
      this.forget(event.room);
      this.joinError = { type: 'removed', event, self: this.user.id };
      this.changed();
    });
    socket.on('moderation', (event) => {
      // The user acted on hears it too, in rooms this client may have dropped already.
      const room = this.rooms.get(event.room);
      if (!room) return;
      const wasStaff = this.isStaff(event.room);
      room.applyModeration(event, this.user.id, Date.now());
      if (event.target?.id === this.user.id) this.watchMute(room);
      // Made a moderator, the user sees the room's reports; no longer one, they go.
      // Unanswered, the list is fetched again at the next join.
      if (wasStaff !== this.isStaff(event.room)) {
        this.reports.refreshReports(event.room).catch(() => undefined);
      }
      this.changed();
    });
    socket.on('report', ({ report, message }) => {
      const room = this.rooms.get(report.room);
      if (!room || !this.isStaff(report.room)) return;
      room.reports.add(report, message);
      this.changed();
    });
    socket.on('report:resolved', ({ report }) => {
      const room = this.rooms.get(report.room);
      if (!room) return;
      room.reports.resolve(report);
      this.changed();
    });
  }

  /** Who is in each room, and who is typing. */
  private listenPresence(): void {
    const socket = this.socket;
    socket.on('presence', (event) => {
      if (event.action === 'rename' && event.member.id === this.user.id) {
        this.user = event.member;
        if (this.self?.id === event.member.id) this.self = event.member;
      }
      this.rooms.get(event.room)?.applyPresence(event);
      if (event.action === 'leave' && !this.presenceOf(event.member.id).online) {
        this.lastSeenAt.set(event.member.id, Date.now());
      }
      const listed = this.directory.find((r) => r.name === event.room);
      if (listed) listed.members = event.count;
      this.changed();
    });
    socket.on('typing', (event) => {
      const room = this.rooms.get(event.room);
      if (!room || event.member.id === this.self?.id) return;
      room.presence.onTyping(event, () => {
        this.changed();
      });
      this.changed();
    });
  }

  private async joinOnServer(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    const since = state.resumeSince(RESUME_MARGIN_MS);
    state.presence.joining();
    let ack;
    try {
      ack = await this.request('room:join', since === undefined ? { room } : { room, since });
    } catch {
      // No ack in time: try again while still connected.
      if (this.isConnected() && this.rooms.get(room) === state) void this.joinOnServer(room);
      return;
    }
    if (this.rooms.get(room) !== state) return; // left meanwhile
    if (!ack.ok) {
      if (RETRYABLE_CODES.includes(ack.error.code)) {
        this.timers.after(this.timings.joinRetryMs, () => void this.joinOnServer(room));
      } else {
        const { message, until } = ack.error;
        this.joinError = { type: 'refused', message, ...(until === undefined ? {} : { until }) };
        this.forget(room);
      }
      return;
    }
    this.self = ack.self;
    this.operator = ack.operator === true;
    for (const message of state.applyJoin(ack)) this.show(message, this.isOwn(message));
    state.placeDivider(this.user.id);
    if (ack.position !== undefined) state.timeline.noteHead(ack.position);
    this.emit({ type: 'joined', result: ack });
    this.markRead(state);
    this.changed();
    this.sends.resume(room);
    this.refreshDirectory();
    // Reports filed while this connection was away come with the list, fetched on every join.
    this.reports.refreshReports(room).catch(() => undefined);
  }

  /** Drops a room and what waited to be sent there. */
  /**
   * While the user is muted in `room` until a time, a change each time the minutes left
   * go down (the composer counts them) and one when it ends, when the composer opens again.
   * On this client's clock: no event marks an expired mute.
   */
  private watchMute(room: Room): void {
    this.muteTimers.get(room)?.cancel();
    this.muteTimers.delete(room);
    const until = room.muteOf(this.user.id, Date.now())?.until;
    if (until === undefined) return;
    const delay = (until - Date.now()) % 60_000 || 60_000;
    const timer = this.timers.after(delay, () => {
      this.muteTimers.delete(room);
      this.changed();
      this.watchMute(room);
    });
    this.muteTimers.set(room, timer);
  }

  private forget(room: string): void {
    const state = this.rooms.get(room);
    if (state) {
      this.muteTimers.get(state)?.cancel();
      this.muteTimers.delete(state);
      state.disconnected();
    }
    this.rooms.delete(room);
    this.sends.dropRoom(room);
    if (this.current === room) this.current = this.rooms.keys().next().value;
    this.changed();
  }

  /** Adds a message to its room's timeline, or updates the one held; true when it was new there. */
  private show(message: Message, own: boolean): boolean {
    const room = this.rooms.get(message.room);
    if (!room) return false;
    const arrival = room.timeline.append(message, own);
    if (arrival !== 'updated')
      this.emit({ type: 'receipt', message, duplicate: arrival === 'held' });
    if (arrival !== 'held') this.changed();
    return arrival === 'new';
  }

  /**
   * The server names the room's position before each change it broadcasts: not knowing it
   * means a broadcast never arrived (lost between nodes, say), and only a catch-up brings it.
   */
  private checkContinuity(room: Room, prev: string | undefined): void {
    if (prev !== undefined && room.joined && room.timeline.messageCount > 0) {
      if (!room.timeline.knows(prev)) this.catchUpLater(room, prev);
    }
  }

  /** An edit or a reaction by someone else, or a deletion (`message` is then the tombstone). */
  private receiveChange(live: Message): void {
    const { prev, ...message } = live;
    const room = this.rooms.get(message.room);
    if (!room) return;
    this.checkContinuity(room, prev);
    this.show(message, this.isOwn(message));
  }

  private receive(live: Message): void {
    const { prev, ...message } = live;
    const known = this.rooms.get(message.room);
    // A conversation's messages reach every tab of its participants, opened or not.
    if (!known && !isDirectRoom(message.room)) return;
    const room = known ?? this.roomOf(message.room);
    if (!known) this.refreshState(false); // who is in it
    const own = this.isOwn(message);
    if (!room.joined && room.timeline.messageCount === 0) {
      // Not opened yet: only counted; joining brings it with the history before it.
      if (!own) this.countUnread(room, message);
      this.changed();
      this.emit({ type: 'incoming', message });
      return;
    }
    this.checkContinuity(room, prev);
    if (!this.show(message, own)) return;
    room.presence.stopTyping(message.author.id);
    if (message.room !== this.current || !this.visible) {
      if (!own) this.countUnread(room, message);
    } else {
      this.markRead(room);
    }
    this.emit({ type: 'incoming', message });
  }

  private countUnread(room: Room, message: Message): void {
    room.unread++;
    if (message.mentions?.some((m) => m.id === this.user.id)) room.mentions++;
  }

  /** Rejoins `room` from its resume point unless `missing` shows up within the grace period. */
  private catchUpLater(room: Room, missing: string): void {
    if (room.catchUp) return;
    room.catchUp = this.timers.after(HOLE_GRACE_MS, () => {
      room.catchUp = undefined;
      if (this.rooms.get(room.name) !== room || !room.joined || room.timeline.knows(missing))
        return;
      void this.joinOnServer(room.name);
    });
  }

  private refreshDirectory(): void {
    if (!this.isConnected()) return;
    this.request('rooms:list', {}).then(
      (ack) => {
        if (!ack.ok) return;
        this.directory = ack.rooms;
        this.changed();
      },
      () => undefined,
    );
  }

  /** A method, not the property: TypeScript would keep a narrowed `connected` across awaits. */
  private isConnected(): boolean {
    return this.socket.connected;
  }

  private isOwn(message: Message): boolean {
    return message.author.id === this.user.id;
  }

  /** One acked request; rejects with `NoAnswer` when no ack came in time. */
  private request<E extends AckedEventName>(event: E, payload: RequestOf<E>): Promise<ResultOf<E>> {
    return requestWithAck(this.socket, event, payload, this.timings.ackTimeoutMs).catch(() => {
      throw new NoAnswer(event);
    });
  }

  private emit(event: ChatEvent): void {
    for (const listener of this.listeners) listener(event);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Coalesces many changes in one task into a single render. */
  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this.emit({ type: 'change' });
    });
  }
}
