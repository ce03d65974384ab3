import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import {
  ErrorCode,
  RETRYABLE_CODES,
  type AckedEventName,
  type ConnectErrorData,
  type JoinResult,
  type Member,
  type Message,
  type PresenceEvent,
  type RequestOf,
  type ResultOf,
  type RoomSummary,
  type TypingEvent,
} from '../../common/contract.js';
import { requestWithAck, type ChatClientSocket } from '../../common/request.js';
import { ConnectionState, type ConnectionChange } from './connection-state.js';
import {
  defaultOutboxOptions,
  Outbox,
  type OutboxOptions,
  type OutgoingMessage,
} from './outbox.js';
import { RoomPresence } from './presence.js';
import { Timeline } from './timeline.js';
import { realScheduler, Timers, type Scheduler } from './timers.js';

export type { OutgoingMessage } from './outbox.js';
export type Transport = 'polling' | 'websocket';

export interface RoomState {
  name: string;
  timeline: Timeline;
  presence: RoomPresence;
  unread: number;
  /** Joined on the current connection; sends wait for this. */
  joined: boolean;
  loadingEarlier: boolean;
}

export interface ChatOptions {
  /** Server URL; the page's own origin when omitted. */
  url?: string;
  name: string;
  /** Forced transports; Socket.IO's default (polling, then upgrade) when omitted. */
  transports?: Transport[];
  rooms: string[];
  current: string | undefined;
  /** Whether the page is visible at start (see `setVisible`). Default true. */
  visible?: boolean;
  /** Waiting longer than this for an ack counts as a failed attempt, in ms. Default 8000. */
  ackTimeoutMs?: number;
  /** How often the room directory is refreshed while connected and visible, in ms. Default 5000. */
  directoryRefreshMs?: number;
  /** After the server sent this client away (flooding), wait this long to reconnect, in ms. Default 5000. */
  kickedReconnectMs?: number;
  /** A join refused with a retryable code is tried again after this long, in ms. Default 2000. */
  joinRetryMs?: number;
  /** Retry policy of unacknowledged messages. */
  outbox?: Partial<OutboxOptions>;
  /** Where timers come from; tests drive time with their own. Default the global timers. */
  scheduler?: Scheduler;
  /** Further socket.io-client options (Node programs and tests: TLS, cookies, backoff). */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

export type ChatEvent =
  /** Something shown changed; coalesced to one per task. */
  | { type: 'change' }
  | { type: 'connection'; change: ConnectionChange }
  /** A new message from someone else arrived live. */
  | { type: 'incoming'; message: Message }
  /** Every message the server handed over (live, replayed on join, or this client's own ack). */
  | { type: 'receipt'; message: Message; duplicate: boolean }
  /** The server acknowledged one of this client's messages. */
  | { type: 'sent'; message: Message }
  /** A room was (re)joined on the current connection. */
  | { type: 'joined'; result: JoinResult }
  | { type: 'name-refused'; reason: string };

type Listener = (event: ChatEvent) => void;

/**
 * The chat as a person sees it: one Socket.IO connection, the rooms it is in, and the
 * messages waiting to be acknowledged. It knows nothing of the DOM: page visibility and the
 * network's state come in through `setVisible` and `setOnline`, and every timer it starts is
 * its own, cleared by `stop()`. The view renders it; Node programs and tests drive it alike.
 */
export class Chat {
  connection: ConnectionState = ConnectionState.connecting;
  transport: Transport | undefined;
  name: string;
  self: Member | undefined;
  readonly rooms = new Map<string, RoomState>();
  current: string | undefined;
  directory: RoomSummary[] = [];
  joinError: string | undefined;

  private readonly socket: ChatClientSocket;
  private readonly timers: Timers;
  private readonly sends: Outbox;
  private readonly listeners = new Set<Listener>();
  private readonly waiters = new Set<() => void>();
  private changeQueued = false;
  private visible: boolean;
  private directoryTimer: { cancel(): void } | undefined;
  private readonly watchedEngines = new WeakSet();
  private readonly settings: Required<
    Pick<ChatOptions, 'ackTimeoutMs' | 'directoryRefreshMs' | 'kickedReconnectMs' | 'joinRetryMs'>
  >;

  constructor(options: ChatOptions) {
    this.name = options.name;
    this.visible = options.visible ?? true;
    this.timers = new Timers(options.scheduler ?? realScheduler);
    this.settings = {
      ackTimeoutMs: options.ackTimeoutMs ?? 8000,
      directoryRefreshMs: options.directoryRefreshMs ?? 5000,
      kickedReconnectMs: options.kickedReconnectMs ?? 5000,
      joinRetryMs: options.joinRetryMs ?? 2000,
    };
    this.sends = new Outbox({
      timers: this.timers,
      options: { ...defaultOutboxOptions, ...options.outbox },
      send: (item) =>
        this.request('message:send', {
          room: item.room,
          text: item.text,
          clientId: item.clientId,
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
      changed: () => {
        this.changed();
      },
    });
    for (const room of options.rooms) this.rooms.set(room, this.newRoom(room));
    this.current = options.current ?? options.rooms[0];
    const settings = {
      auth: { name: options.name },
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
    this.timers.clear();
    this.directoryTimer = undefined;
    for (const room of this.rooms.values()) room.presence.clearTyping();
    this.socket.disconnect();
  }

  /** Timers still waiting to fire (none after `stop()`). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Messages waiting for an ack, oldest first. */
  get outbox(): readonly OutgoingMessage[] {
    return this.sends.items;
  }

  get currentRoom(): RoomState | undefined {
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
    return this.until(
      () => this.isConnected() && [...this.rooms.values()].every((r) => r.joined),
      timeoutMs,
    );
  }

  // --- inputs from the page ---

  /** The page became visible or hidden: hidden pages count unread and skip refreshes. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.current !== undefined) this.select(this.current);
  }

  /** The browser went offline or online. */
  setOnline(online: boolean): void {
    if (!online && !this.isConnected()) this.setConnection(ConnectionState.offline);
    if (online && this.connection === ConnectionState.offline && this.socket.active) {
      this.setConnection(ConnectionState.reconnecting);
    }
  }

  // --- commands from the view ---

  select(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    this.current = room;
    state.unread = 0;
    this.changed();
  }

  async join(room: string): Promise<void> {
    this.joinError = undefined;
    if (!this.rooms.has(room)) this.rooms.set(room, this.newRoom(room));
    this.select(room);
    if (this.isConnected()) await this.joinOnServer(room);
  }

  async leave(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    state.presence.clearTyping();
    this.sends.dropRoom(room);
    if (this.current === room) this.current = this.rooms.keys().next().value;
    this.changed();
    if (state.joined && this.isConnected()) {
      await this.request('room:leave', { room }).catch(() => undefined);
      this.refreshDirectory();
    }
  }

  /** Queues a message to the current room; it shows as pending until acknowledged. */
  send(text: string, room = this.current): void {
    const trimmed = text.trim();
    if (room === undefined || !this.rooms.has(room) || trimmed === '') return;
    this.sends.add(room, trimmed);
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

  setTyping(typing: boolean): void {
    const room = this.currentRoom;
    if (room?.joined) this.socket.volatile.emit('typing', { room: room.name, typing });
  }

  rename(name: string): void {
    this.name = name;
    this.socket.auth = { name };
    this.socket.disconnect();
    this.setConnection(ConnectionState.connecting);
    this.socket.connect();
  }

  // --- socket events ---

  private listen(): void {
    const socket = this.socket;
    // The transport belongs to the Engine.IO connection, which opens (on polling) before the
    // Socket.IO handshake completes and may upgrade before or after it.
    socket.io.on('open', () => {
      this.watchTransport();
    });
    socket.io.on('close', () => {
      this.transport = undefined;
      this.changed();
    });

    socket.on('connect', () => {
      this.setConnection(ConnectionState.connected);
      for (const room of this.rooms.keys()) void this.joinOnServer(room);
      this.refreshDirectory();
      this.directoryTimer?.cancel();
      this.directoryTimer = this.timers.every(this.settings.directoryRefreshMs, () => {
        if (this.visible) this.refreshDirectory();
      });
    });

    socket.on('disconnect', (reason) => {
      this.directoryTimer?.cancel();
      this.directoryTimer = undefined;
      for (const room of this.rooms.values()) {
        room.joined = false;
        room.presence.clearTyping();
      }
      if (reason === 'io server disconnect') {
        // Sent away (for flooding): socket.io-client does not retry this by itself.
        this.timers.after(this.settings.kickedReconnectMs, () => socket.connect());
        this.setConnection(ConnectionState.reconnecting);
      } else {
        this.setConnection(socket.active ? ConnectionState.reconnecting : ConnectionState.offline);
      }
    });

    socket.on('connect_error', (err: Error & { data?: Partial<ConnectErrorData> }) => {
      if (err.data?.code === ErrorCode.INVALID_NAME) {
        this.setConnection(ConnectionState.offline);
        this.emit({ type: 'name-refused', reason: err.message });
        return;
      }
      if (this.connection === ConnectionState.connected) {
        this.setConnection(ConnectionState.reconnecting);
      }
    });

    socket.io.on('reconnect_attempt', () => {
      this.setConnection(ConnectionState.reconnecting);
    });

    socket.on('message', (message) => {
      this.receive(message);
    });
    socket.on('presence', (event) => {
      this.onPresence(event);
    });
    socket.on('typing', (event) => {
      this.onTyping(event);
    });
  }

  /** The one place the connection state changes. */
  private setConnection(newState: ConnectionState): void {
    const oldState = this.connection;
    if (oldState === newState) return;
    this.connection = newState;
    this.emit({ type: 'connection', change: { newState, oldState } });
    this.changed();
  }

  /** Follows the transport in use, including the upgrade from polling to websocket. */
  private watchTransport(): void {
    const engine = this.socket.io.engine;
    this.transport = engine.transport.name as Transport;
    if (!this.watchedEngines.has(engine)) {
      this.watchedEngines.add(engine);
      engine.on('upgrade', (transport: { name: string }) => {
        this.transport = transport.name as Transport;
        this.changed();
      });
    }
    this.changed();
  }

  private async joinOnServer(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    const since = state.timeline.newestId;
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
        this.timers.after(this.settings.joinRetryMs, () => void this.joinOnServer(room));
        return;
      }
      this.joinError = ack.error.message;
      this.rooms.delete(room);
      this.sends.dropRoom(room);
      if (this.current === room) this.current = this.rooms.keys().next().value;
      this.changed();
      return;
    }
    state.joined = true;
    this.self = ack.self;
    state.presence.joined(ack.members);
    const first = state.timeline.messageCount === 0;
    if (ack.gap && !first) {
      state.timeline.notice(
        'Some messages may be missing: the server could not replay everything since you were last connected.',
        'warning',
      );
    }
    if (first) state.timeline.hasMore = ack.hasMore;
    for (const message of ack.history) this.show(message, this.isOwn(message));
    this.emit({ type: 'joined', result: ack });
    this.changed();
    this.sends.resume(room);
    this.refreshDirectory();
  }

  /** Adds a message to its room's timeline; true when it was new there. */
  private show(message: Message, own: boolean): boolean {
    const room = this.rooms.get(message.room);
    if (!room) return false;
    const fresh = room.timeline.append(message, own);
    this.emit({ type: 'receipt', message, duplicate: !fresh });
    if (fresh) this.changed();
    return fresh;
  }

  private receive(message: Message): void {
    const room = this.rooms.get(message.room);
    if (!room || !this.show(message, this.isOwn(message))) return;
    room.presence.stopTypingOf(message.author.name);
    if (message.room !== this.current || !this.visible) room.unread++;
    this.emit({ type: 'incoming', message });
  }

  private onPresence(event: PresenceEvent): void {
    const room = this.rooms.get(event.room);
    if (!room) return;
    if (room.presence.apply(event)) {
      room.timeline.notice(`${event.member.name} ${event.action === 'join' ? 'joined' : 'left'}`);
    }
    const listed = this.directory.find((r) => r.name === event.room);
    if (listed) listed.members = event.count;
    this.changed();
  }

  private onTyping(event: TypingEvent): void {
    const room = this.rooms.get(event.room);
    if (!room || event.member.id === this.self?.id) return;
    room.presence.onTyping(event, () => {
      this.changed();
    });
    this.changed();
  }

  private refreshDirectory(): void {
    if (!this.isConnected()) return;
    this.request('rooms:list', {}).then(
      (ack) => {
        if (ack.ok) {
          this.directory = ack.rooms;
          this.changed();
        }
      },
      () => undefined,
    );
  }

  /** A method, not the property: TypeScript would keep a narrowed `connected` across awaits. */
  private isConnected(): boolean {
    return this.socket.connected;
  }

  private isOwn(message: Message): boolean {
    return message.author.name === this.name;
  }

  private request<E extends AckedEventName>(event: E, payload: RequestOf<E>): Promise<ResultOf<E>> {
    return requestWithAck(this.socket, event, payload, this.settings.ackTimeoutMs);
  }

  private newRoom(name: string): RoomState {
    return {
      name,
      timeline: new Timeline(),
      presence: new RoomPresence(this.timers),
      unread: 0,
      joined: false,
      loadingEarlier: false,
    };
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
