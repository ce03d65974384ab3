import { createStrikeCounter, createTokenBucket } from '../rate-limit.js';
import type { ChatSocket, SocketDeps } from './types.js';

/**
 * The rate limits of one connection: events of any kind, and the strikes that cut off a
 * flooder. The message rate belongs to the user, across connections (user-limits.ts).
 */
export interface ConnectionLimits {
  /** Takes a token for any incoming event. */
  allowEvent(): boolean;
  /** Records a rate-limited request; disconnects a client that keeps flooding. */
  strike(): void;
}

export function createConnectionLimits(socket: ChatSocket, deps: SocketDeps): ConnectionLimits {
  const { config } = deps;
  const events = createTokenBucket(config.eventRatePerSec, config.eventBurst, deps.now);
  const strikes = createStrikeCounter(config.floodStrikes, config.floodWindowMs, deps.now);
  let cut = false;
  return {
    allowEvent: () => events.take(),
    strike() {
      if (!strikes.strike() || !socket.connected || cut) return;
      cut = true;
      const { member } = socket.data;
      // One line per cut: the penalty below refuses the flooder's reconnections, which are
      // logged at debug only, so a reconnect loop cannot flood the log either.
      deps.logger.warn(
        { socket: socket.id, user: member.id, penaltyMs: config.floodPenaltyMs },
        'flooding; disconnected',
      );
      const address = deps.caps.addressOf(socket);
      deps.userLimits.penalise(member.id, address).catch((err: unknown) => {
        deps.logger.debug({ err }, 'could not record a flood penalty');
      });
      // setImmediate, not nextTick: the RATE_LIMITED ack is sent from a promise callback,
      // which nextTick would overtake.
      setImmediate(() => socket.disconnect(true));
    },
  };
}
