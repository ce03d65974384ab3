import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { onTestFinished } from 'vitest';
import type {
  Ack,
  AckedEventName,
  JoinResult,
  Message,
  RequestOf,
  ResultOf,
  SendResult,
  ServerToClientEvents,
} from '../../../common/contract.js';
import { requestWithAck, type ChatClientSocket } from '../../../common/request.js';
import { signInGuest, type SignedIn } from './accounts.js';

export type ChatClient = ChatClientSocket;
export type Transport = 'websocket' | 'polling';

export interface ClientOptions extends Partial<ManagerOptions & SocketOptions> {
  /**
   * Who connects: a guest of this name, signed in through the HTTP API once per test (so
   * two clients of one name in a test are two tabs of one user). Default: a new guest.
   */
  name?: string;
  /** Connect with this session token instead. */
  session?: string;
}

// Guests signed in during the current test, by name; forgotten when it finishes, because
// the next test has servers of its own.
const identities = new Map<string, Promise<SignedIn>>();
let unnamed = 0;

/**
 * The guest of this name in the current test, signed in at `url` on first use. Nodes of one
 * deployment share accounts, so one sign-in serves every node.
 */
export function identity(url: string, name: string): Promise<SignedIn> {
  let known = identities.get(name);
  if (!known) {
    if (identities.size === 0) {
      onTestFinished(() => {
        identities.clear();
      });
    }
    known = signInGuest(url, name);
    identities.set(name, known);
  }
  return known;
}

/** An unconnected client; disconnected when the calling test finishes. */
export function createClient(url: string, options: ClientOptions = {}): ChatClient {
  const { name = `user${unnamed++}`, session, ...rest } = options;
  const socket: ChatClient = io(url, {
    // Asked at every (re)connection; a failed sign-in connects without credentials, which
    // the server refuses as UNAUTHORIZED.
    auth: (cb) => {
      const token = session === undefined ? identity(url, name).then((s) => s.token) : session;
      Promise.resolve(token).then(
        (t) => {
          cb({ session: t });
        },
        () => {
          cb({});
        },
      );
    },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...rest,
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  return socket;
}

/** A connected client: resolves on `connect`, rejects on `connect_error`. */
export async function connect(url: string, options: ClientOptions = {}): Promise<ChatClient> {
  const socket = createClient(url, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

interface Listenable<T> {
  on(event: string, fn: (arg: T) => void): unknown;
  off(event: string, fn: (arg: T) => void): unknown;
}

/** Resolves with the first argument of `event` that passes `predicate`. */
export function waitFor<T = unknown>(
  emitter: ChatClient | Listenable<T>,
  event: string,
  predicate: (arg: T) => boolean = () => true,
): Promise<T> {
  // The typed client only accepts its own event names; tests also wait on reserved ones.
  const target = emitter as Listenable<T>;
  return new Promise((resolve) => {
    const listener = (arg: T) => {
      if (!predicate(arg)) return;
      target.off(event, listener);
      resolve(arg);
    };
    target.on(event, listener);
  });
}

const ACK_TIMEOUT_MS = 5000;

/** Emits a contract event and resolves with its ack (rejects when no ack comes in 5 s). */
export function request<E extends AckedEventName>(
  socket: ChatClient,
  event: E,
  payload: RequestOf<E>,
): Promise<ResultOf<E>> {
  return requestWithAck(socket, event, payload, ACK_TIMEOUT_MS);
}

export async function join(
  socket: ChatClient,
  room: string,
  since?: string,
): Promise<Ack<JoinResult>> {
  return request(socket, 'room:join', since === undefined ? { room } : { room, since });
}

let sequence = 0;
export const newClientId = (): string => `c${Date.now().toString(36)}${(sequence++).toString(36)}`;

export async function send(
  socket: ChatClient,
  room: string,
  text: string,
  clientId: string = newClientId(),
): Promise<Ack<SendResult>> {
  return request(socket, 'message:send', { room, text, clientId });
}

/** Sends and asserts success, returning the stored message. */
export async function sendOk(socket: ChatClient, room: string, text: string): Promise<Message> {
  const ack = await send(socket, room, text);
  if (!ack.ok) throw new Error(`send failed: ${ack.error.code} ${ack.error.message}`);
  return ack.message;
}

export async function joinOk(
  socket: ChatClient,
  room: string,
  since?: string,
): Promise<JoinResult> {
  const ack = await join(socket, room, since);
  if (!ack.ok) throw new Error(`join failed: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

/**
 * A round trip on `socket`: the server answers in order, so every event it sent this
 * client before answering has arrived when this resolves.
 */
export const roundTrip = (socket: ChatClient) => request(socket, 'rooms:list', {});

/** Sends a raw event with arbitrary arguments and an ack, bypassing the typed API. */
export function emitRaw(socket: ChatClient, event: string, ...args: unknown[]): Promise<unknown> {
  const untyped = socket as unknown as Socket;
  return untyped.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args) as Promise<unknown>;
}

/** A live message as stored: without `prev`, which only live broadcasts carry. */
export const asStored = ({ prev: _prev, ...message }: Message): Message => message;

/** Collects every `event` the socket receives from now on. */
export function collect<T>(socket: ChatClient, event: keyof ServerToClientEvents): T[] {
  const seen: T[] = [];
  (socket as unknown as Socket).on(event, (arg: T) => seen.push(arg));
  return seen;
}

/**
 * Repeats `act` every `everyMs` until `done` settles. For volatile events, which the server
 * drops when a polling client has no request open: real clients re-send typing likewise.
 */
export async function repeatUntil<T>(act: () => void, done: Promise<T>, everyMs = 50): Promise<T> {
  act();
  const timer = setInterval(act, everyMs);
  try {
    return await done;
  } finally {
    clearInterval(timer);
  }
}
