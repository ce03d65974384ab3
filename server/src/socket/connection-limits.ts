import { createStrikeCounter, createTokenBucket } from '../rate-limit.js';
import type { ChatSocket, SocketDeps } from './types.js';

/** The rate limits of one connection. */
export interface ConnectionLimits {
  /** Takes a token for any incoming event. */
  allowEvent(): boolean;
  /** Takes a token for a message send. */
  allowMessage(): boolean;
  /** Records a rate-limited request; disconnects a client that keeps flooding. */
  strike(): void;
}

export function createConnectionLimits(socket: ChatSocket, deps: SocketDeps): ConnectionLimits {
  const { config } = deps;
  const events = createTokenBucket(config.eventRatePerSec, config.eventBurst, deps.now);
  const messages = createTokenBucket(config.messageRatePerSec, config.messageBurst, deps.now);
  const strikes = createStrikeCounter(config.floodStrikes, config.floodWindowMs, deps.now);
  return {
    allowEvent: () => events.take(),
    allowMessage: () => messages.take(),
    strike() {
      if (!strikes.strike() || !socket.connected) return;
      deps.logger.warn(
        { socket: socket.id, name: socket.data.member.name },
        'flooding; disconnected',
      );
      // setImmediate, not nextTick: the RATE_LIMITED ack is sent from a promise callback,
      // which nextTick would overtake.
      setImmediate(() => socket.disconnect(true));
    },
  };
}
