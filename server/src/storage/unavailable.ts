/** The store cannot be reached right now; the request may be retried (code UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Replies by which Redis says "not now" rather than "wrong command": a cluster without a
 * primary for the slot (CLUSTERDOWN, during a failover), a slot being moved (TRYAGAIN), a
 * write that reached a former primary now a replica (READONLY), a node loading its data
 * (LOADING), a replica cut from its primary (MASTERDOWN), a slot that moved while the
 * client had not yet heard (MOVED, ASK: ioredis follows them, but not in every pipeline).
 */
const TRANSIENT_REPLY = /^(CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN|MOVED|ASK)\b/;

/**
 * Runs a Redis call, turning connection failures (Redis down, a command refused while
 * reconnecting, a failover under way) into StoreUnavailableError; Redis's own replies to a
 * bad command stay errors.
 */
export async function redisCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error && err.name === 'ReplyError' && !TRANSIENT_REPLY.test(err.message)) {
      throw err;
    }
    throw new StoreUnavailableError(err);
  }
}
