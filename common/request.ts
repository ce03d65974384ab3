import type { Socket } from 'socket.io-client';
import type {
  AckedEventName,
  ClientToServerEvents,
  RequestOf,
  ResultOf,
  ServerToClientEvents,
} from './contract.js';

/** A socket.io-client socket typed by the contract. */
export type ChatClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Emits a contract event and resolves with its ack, typed by the contract; rejects when no
 * ack arrives within `timeoutMs` or the connection drops first. The browser client and the
 * tests both send requests through this one function.
 */
export function requestWithAck<E extends AckedEventName>(
  socket: ChatClientSocket,
  event: E,
  payload: RequestOf<E>,
  timeoutMs: number,
): Promise<ResultOf<E>> {
  // socket.io-client's emit types cannot be resolved for a generic event name, so this one
  // place widens the socket; the signature above is what callers are checked against.
  const untyped: Socket = socket;
  return untyped.timeout(timeoutMs).emitWithAck(event, payload) as Promise<ResultOf<E>>;
}
