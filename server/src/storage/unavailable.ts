/** The store cannot be reached right now; the request may be retried (code UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('storage unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Runs a Redis call, turning connection failures (Redis down, a command refused while
 * reconnecting) into StoreUnavailableError; Redis's own replies to a bad command stay errors.
 */
export async function redisCall<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Error && err.name === 'ReplyError') throw err;
    throw new StoreUnavailableError(err);
  }
}
