import type { RedisServices } from '../backends/redis.js';
import type { ChatIO } from '../io.js';
import type { Logger } from '../logger.js';

/**
 * Tells this node's clients to catch up by position (`resync`) whenever broadcasts from the
 * other nodes may have been lost: Redis pub/sub keeps nothing, so those sent while this
 * node's link was down never reach its clients; and after a Redis Cluster failover moved the
 * adapter's subscriptions, a room's last broadcast before it may be lost with no later
 * message to reveal the gap.
 */
export function resyncAfterLostBroadcasts(
  io: ChatIO,
  redis: Pick<RedisServices, 'onHealthChange' | 'onResubscribed'>,
  logger: Logger,
): void {
  const resync = (why: string): void => {
    logger.info({ clients: io.of('/').sockets.size }, `${why}: clients resync`);
    io.local.emit('resync', {});
  };
  let wasDown = false;
  redis.onHealthChange((healthy) => {
    if (!healthy) wasDown = true;
    else if (wasDown) {
      wasDown = false;
      resync('redis back');
    }
  });
  redis.onResubscribed(() => {
    resync('subscriptions moved');
  });
}
