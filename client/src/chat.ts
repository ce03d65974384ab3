import { io, type Socket } from 'socket.io-client';
import {
  ErrorCode,
  RETRYABLE_CODES,
  type Ack,
  type ClientToServerEvents,
  type ConnectErrorData,
  type Member,
  type Message,
  type PresenceEvent,
  type RoomSummary,
  type ServerToClientEvents,
  type TypingEvent,
} from '../../common/contract.js';
import { ConnectionState, type ConnectionChange } from './connection-state.js';
import { Timeline } from './timeline.js';

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type Transport = 'polling' | 'websocket';

/** Waiting longer than this for an ack counts as a failed attempt, in ms. */
const ACK_TIMEOUT_MS = 8000;
/** Failed attempts while connected before a message is marked failed. */
const MAX_SEND_ATTEMPTS = 5;
/** A typing indicator disappears this long after the last `typing: true`, in ms. */
const TYPING_EXPIRY_MS = 5000;
/** How often the room directory is refreshed while connected and visible, in ms. */
const DIRECTORY_REFRESH_MS = 5000;
/** After the server sent this client away (flooding), wait this long before reconnecting, in ms. */
const KICKED_RECONNECT_MS = 5000;

export interface OutgoingMessage {
  clientId: string;
  room: string;
  text: string;
  status: 'pending' | 'failed';
  error?: string;
  attempts: number;
  inFlight: boolean;
}

export interface RoomState {
  name: string;
  timeline: Timeline;
  members: Map<string, Member>;
  count: number;
  typing: Map<string, { member: Member; timer: ReturnType<typeof setTimeout> }>;
  unread: number;
  /** Joined on the current connection; sends wait for this. */
  joined: boolean;
  loadingEarlier: boolean;
  /**
   * Presence events that arrive while a join is on its way. The ack's member list is a
   * snapshot that may predate them, so they are applied again on top of it.
   */
  presenceDuringJoin: PresenceEvent[] | undefined;
}

export interface ChatOptions {
  /** Server URL; the page's own origin when omitted. */
  url?: string;
  name: string;
  /** Forced transports; Socket.IO's default (polling, then upgrade) when omitted. */
  transports?: Transport[];
  rooms: string[];
  current: string | undefined;
}

export type ChatEvent =
  | { type: 'change' }
  | { type: 'connection'; change: ConnectionChange }
  | { type: 'incoming'; message: Message }
  | { type: 'name-refused'; reason: string };

type Listener = (event: ChatEvent) => void;

/**
 * The chat as the browser sees it: one Socket.IO connection, the rooms it is in, and the
 * messages waiting to be acknowledged. It knows nothing of the DOM; the view renders it.
 */
export class Chat {
  connection: ConnectionState = ConnectionState.connecting;
  transport: Transport | undefined;
  name: string;
  self: Member | undefined;
  readonly rooms = new Map<string, RoomState>();
  current: string | undefined;
  directory: RoomSummary[] = [];
  readonly outbox: OutgoingMessage[] = [];
  joinError: string | undefined;

  private readonly socket: ChatSocket;
  private readonly listeners = new Set<Listener>();
  private changeQueued = false;
  private directoryTimer: ReturnType<typeof setInterval> | undefined;
  private readonly watchedEngines = new WeakSet();

  constructor(options: ChatOptions) {
    this.name = options.name;
    for (const room of options.rooms) this.rooms.set(room, newRoom(room));
    this.current = options.current ?? options.rooms[0];
    const settings = {
      auth: { name: options.name },
      ...(options.transports ? { transports: options.transports } : {}),
      autoConnect: false,
    };
    this.socket = options.url === undefined ? io(settings) : io(options.url, settings);
    this.listen();
  }

  start(): void {
    this.socket.connect();
  }

  stop(): void {
    clearInterval(this.directoryTimer);
    this.socket.disconnect();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get currentRoom(): RoomState | undefined {
    return this.current === undefined ? undefined : this.rooms.get(this.current);
  }

  pendingFor(room: string): OutgoingMessage[] {
    return this.outbox.filter((m) => m.room === room);
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
    if (!this.rooms.has(room)) this.rooms.set(room, newRoom(room));
    this.select(room);
    if (this.isConnected()) await this.joinOnServer(room);
  }

  async leave(room: string): Promise<void> {
    const state = this.rooms.get(room);
    if (!state) return;
    this.rooms.delete(room);
    for (const t of state.typing.values()) clearTimeout(t.timer);
    for (const m of this.pendingFor(room)) this.outbox.splice(this.outbox.indexOf(m), 1);
    if (this.current === room) this.current = this.rooms.keys().next().value;
    this.changed();
    if (state.joined && this.isConnected()) {
      await this.request('room:leave', { room }).catch(() => undefined);
      this.refreshDirectory();
    }
  }

  /** Queues a message; it shows as pending until the server acknowledges it. */
  send(text: string): void {
    const room = this.current;
    const trimmed = text.trim();
    if (room === undefined || trimmed === '') return;
    const item: OutgoingMessage = {
      clientId: crypto.randomUUID(),
      room,
      text: trimmed,
      status: 'pending',
      attempts: 0,
      inFlight: false,
    };
    this.outbox.push(item);
    this.changed();
    void this.deliver(item);
  }

  retry(clientId: string): void {
    const item = this.outbox.find((m) => m.clientId === clientId);
    if (!item) return;
    item.status = 'pending';
    item.attempts = 0;
    delete item.error;
    this.changed();
    void this.deliver(item);
  }

  discard(clientId: string): void {
    const index = this.outbox.findIndex((m) => m.clientId === clientId);
    if (index !== -1) this.outbox.splice(index, 1);
    this.changed();
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
      clearInterval(this.directoryTimer);
      this.directoryTimer = setInterval(() => {
        if (!document.hidden) this.refreshDirectory();
      }, DIRECTORY_REFRESH_MS);
    });

    socket.on('disconnect', (reason) => {
      clearInterval(this.directoryTimer);
      for (const room of this.rooms.values()) {
        room.joined = false;
        for (const t of room.typing.values()) clearTimeout(t.timer);
        room.typing.clear();
      }
      if (reason === 'io server disconnect') {
        // Sent away (for flooding): socket.io-client does not retry this by itself.
        setTimeout(() => socket.connect(), KICKED_RECONNECT_MS);
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

    window.addEventListener('offline', () => {
      if (!socket.connected) this.setConnection(ConnectionState.offline);
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
    const duringJoin: PresenceEvent[] = [];
    state.presenceDuringJoin = duringJoin;
    let ack;
    try {
      ack = await this.request('room:join', since === undefined ? { room } : { room, since });
    } catch {
      // No ack in time: try again while still connected.
      if (this.isConnected() && this.rooms.has(room)) void this.joinOnServer(room);
      return;
    }
    if (this.rooms.get(room) !== state) return; // left meanwhile
    if (!ack.ok) {
      if (RETRYABLE_CODES.includes(ack.error.code)) {
        setTimeout(() => void this.joinOnServer(room), 2000);
        return;
      }
      this.joinError = ack.error.message;
      this.rooms.delete(room);
      if (this.current === room) this.current = this.rooms.keys().next().value;
      this.changed();
      return;
    }
    state.joined = true;
    this.self = ack.self;
    state.members = new Map(ack.members.map((m) => [m.id, m]));
    for (const event of duringJoin) applyPresence(state.members, event);
    state.presenceDuringJoin = undefined;
    state.count = state.members.size;
    const first = state.timeline.messageCount === 0;
    if (ack.gap && !first) {
      state.timeline.notice(
        'Some messages may be missing: the server could not replay everything since you were last connected.',
        'warning',
      );
    }
    if (first) state.timeline.hasMore = ack.hasMore;
    for (const message of ack.history) state.timeline.append(message, this.isOwn(message));
    this.changed();
    for (const item of this.pendingFor(room)) void this.deliver(item);
    this.refreshDirectory();
  }

  /**
   * Sends one queued message until the server acknowledges it. Every attempt carries the
   * same clientId, so however many reach the server, it is stored once.
   */
  private async deliver(item: OutgoingMessage): Promise<void> {
    if (item.inFlight || item.status !== 'pending') return;
    const room = this.rooms.get(item.room);
    // Not joined yet (offline, or rejoining): joinOnServer sends it once the room is back.
    if (!room?.joined || !this.isConnected()) return;
    item.inFlight = true;
    let ack: Ack<{ message: Message }> | undefined;
    try {
      ack = await this.request('message:send', {
        room: item.room,
        text: item.text,
        clientId: item.clientId,
      });
    } catch {
      ack = undefined; // timed out or disconnected: the message may or may not be stored
    } finally {
      item.inFlight = false;
    }
    if (!this.outbox.includes(item)) return; // discarded meanwhile
    if (ack?.ok) {
      this.outbox.splice(this.outbox.indexOf(item), 1);
      this.rooms.get(item.room)?.timeline.append(ack.message, true);
      this.changed();
      return;
    }
    if (ack && ack.error.code === ErrorCode.NOT_IN_ROOM) {
      room.joined = false;
      void this.joinOnServer(item.room);
      return;
    }
    if (ack && !RETRYABLE_CODES.includes(ack.error.code)) {
      this.fail(item, ack.error.message);
      return;
    }
    if (!this.isConnected()) return; // resent after the rejoin
    item.attempts++;
    if (item.attempts >= MAX_SEND_ATTEMPTS) {
      this.fail(item, 'Not delivered. The server did not confirm this message.');
      return;
    }
    setTimeout(() => void this.deliver(item), Math.min(8000, 500 * 2 ** item.attempts));
  }

  private fail(item: OutgoingMessage, error: string): void {
    item.status = 'failed';
    item.error = error;
    this.changed();
  }

  private receive(message: Message): void {
    const room = this.rooms.get(message.room);
    if (!room) return;
    if (!room.timeline.append(message, this.isOwn(message))) return;
    for (const [id, t] of room.typing) {
      if (t.member.name === message.author.name) {
        clearTimeout(t.timer);
        room.typing.delete(id);
      }
    }
    if (message.room !== this.current || document.hidden) room.unread++;
    this.emit({ type: 'incoming', message });
    this.changed();
  }

  private onPresence(event: PresenceEvent): void {
    const room = this.rooms.get(event.room);
    if (!room) return;
    room.count = event.count;
    room.presenceDuringJoin?.push(event);
    const known = room.members.has(event.member.id);
    applyPresence(room.members, event);
    if (event.action === 'join') {
      if (!known) room.timeline.notice(`${event.member.name} joined`);
    } else {
      const typing = room.typing.get(event.member.id);
      if (typing) clearTimeout(typing.timer);
      room.typing.delete(event.member.id);
      if (known) room.timeline.notice(`${event.member.name} left`);
    }
    const listed = this.directory.find((r) => r.name === event.room);
    if (listed) listed.members = event.count;
    this.changed();
  }

  private onTyping(event: TypingEvent): void {
    const room = this.rooms.get(event.room);
    if (!room || event.member.id === this.self?.id) return;
    const previous = room.typing.get(event.member.id);
    if (previous) clearTimeout(previous.timer);
    if (event.typing) {
      const timer = setTimeout(() => {
        room.typing.delete(event.member.id);
        this.changed();
      }, TYPING_EXPIRY_MS);
      room.typing.set(event.member.id, { member: event.member, timer });
    } else {
      room.typing.delete(event.member.id);
    }
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

  private request<E extends Exclude<keyof ClientToServerEvents, 'typing'>>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<AckOf<E>> {
    const untyped = this.socket as unknown as Socket;
    return untyped.timeout(ACK_TIMEOUT_MS).emitWithAck(event, payload) as Promise<AckOf<E>>;
  }

  private emit(event: ChatEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Coalesces many changes in one task into a single render. */
  private changed(): void {
    if (this.changeQueued) return;
    this.changeQueued = true;
    queueMicrotask(() => {
      this.changeQueued = false;
      this.emit({ type: 'change' });
    });
  }
}

type AckOf<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[1] extends (
  result: infer R,
) => void
  ? R
  : never;

function applyPresence(members: Map<string, Member>, event: PresenceEvent): void {
  if (event.action === 'join') members.set(event.member.id, event.member);
  else members.delete(event.member.id);
}

function newRoom(name: string): RoomState {
  return {
    name,
    timeline: new Timeline(),
    members: new Map(),
    count: 0,
    typing: new Map(),
    unread: 0,
    joined: false,
    loadingEarlier: false,
    presenceDuringJoin: undefined,
  };
}
