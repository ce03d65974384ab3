import { ClientEvent, ErrorCode } from '../contract.js';
import { createStrikeCounter, createTokenBucket } from '../rate-limit.js';
import { installDirectFrames } from './direct-frames.js';
import { fail } from './guards.js';
import { registerMessageHandlers } from './messages.js';
import { registerPresence } from './presence.js';
import { rateLimited, splitAck, type ConnectionContext, type ConnectionGuard } from './request.js';
import { registerRoomHandlers } from './rooms.js';
import { registerTypingHandlers } from './typing.js';
import type { ChatSocket, SocketDeps } from './types.js';

const KNOWN_EVENTS = new Set<string>(Object.values(ClientEvent));

function createGuard(socket: ChatSocket, deps: SocketDeps): ConnectionGuard {
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

/** Sets up one new connection: limits, handlers for every contract event, presence. */
export function onConnection(deps: SocketDeps) {
  return (socket: ChatSocket): void => {
    const ctx: ConnectionContext = { socket, deps, guard: createGuard(socket, deps) };
    if (!installDirectFrames(socket)) deps.logger.debug('broadcast fast path unavailable');

    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return;
      const { ack } = splitAck(args);
      if (!ctx.guard.allowEvent()) {
        ctx.guard.strike();
        ack?.(rateLimited());
        return;
      }
      deps.metrics.acks.inc({ event: 'unknown', code: ErrorCode.BAD_REQUEST });
      ack?.(fail(ErrorCode.BAD_REQUEST, 'unknown event'));
    });

    registerRoomHandlers(ctx);
    registerMessageHandlers(ctx);
    registerTypingHandlers(ctx);
    registerPresence(socket, deps);

    socket.on('disconnect', (reason) => {
      deps.metrics.disconnects.inc({ reason });
    });
  };
}
