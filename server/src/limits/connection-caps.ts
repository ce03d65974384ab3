import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';
import { ErrorCode, type AckFailure } from '../../../common/contract.js';
import type { Config } from '../config.js';
import { fail } from '../errors.js';
import type { ChatSocket } from '../io.js';

/**
 * Caps on the connections one user, and one client address, may hold open on this node.
 * A handshake is checked before it is accepted and counted once it connects, so a burst of
 * simultaneous handshakes may pass the cap by the few still in flight.
 */
export interface ConnectionCaps {
  /** Why a new connection of this user from this address must be refused, if it must. */
  refusal(userId: string, address: string): AckFailure | undefined;
  /** Notes the address of an accepted handshake: its request is released once it connects. */
  admit(socket: ChatSocket, address: string): void;
  /** Counts an admitted connection, until `release`. */
  track(socket: ChatSocket): void;
  /** Stops counting a connection that has closed. */
  release(socket: ChatSocket): void;
  /** The client address of an admitted connection. */
  addressOf(socket: ChatSocket): string;
}

export function createConnectionCaps(
  config: Pick<Config, 'maxConnectionsPerUser' | 'maxConnectionsPerAddress'>,
): ConnectionCaps {
  const perUser = new Map<string, number>();
  const perAddress = new Map<string, number>();
  const addresses = new WeakMap<ChatSocket, string>();
  const add = (counts: Map<string, number>, key: string, by: number) => {
    const n = (counts.get(key) ?? 0) + by;
    if (n > 0) counts.set(key, n);
    else counts.delete(key);
  };
  return {
    refusal(userId, address) {
      if ((perUser.get(userId) ?? 0) >= config.maxConnectionsPerUser) {
        return fail(
          ErrorCode.TOO_MANY_CONNECTIONS,
          `a user may have at most ${config.maxConnectionsPerUser} connections open; close a tab`,
        );
      }
      if ((perAddress.get(address) ?? 0) >= config.maxConnectionsPerAddress) {
        return fail(
          ErrorCode.TOO_MANY_CONNECTIONS,
          `too many connections from this address (at most ${config.maxConnectionsPerAddress})`,
        );
      }
      return undefined;
    },
    admit(socket, address) {
      addresses.set(socket, address);
    },
    addressOf: (socket) => addresses.get(socket) ?? 'unknown',
    track(socket) {
      add(perUser, socket.data.member.id, 1);
      add(perAddress, addresses.get(socket) ?? 'unknown', 1);
    },
    release(socket) {
      add(perUser, socket.data.member.id, -1);
      add(perAddress, addresses.get(socket) ?? 'unknown', -1);
    },
  };
}

/**
 * The address a request came from: the socket's peer, or with `TRUST_PROXY` the client that
 * the trusted proxies name in `X-Forwarded-For`, as Express decides it for HTTP.
 */
export function clientAddressOf(config: Pick<Config, 'trustProxy'>) {
  const trust =
    config.trustProxy === undefined
      ? undefined
      : proxyaddr.compile(config.trustProxy.split(',').map((s) => s.trim()));
  return (req: IncomingMessage): string =>
    trust ? proxyaddr(req, trust) : (req.socket.remoteAddress ?? 'unknown');
}
