import type { Response } from 'express';
import { ErrorCode, type AckFailure, type HttpErrorBody } from '../../common/contract.js';
import { InvalidCursorError } from './messages/store.js';
import { StoreUnavailableError } from './storage/unavailable.js';
import type { Logger } from './logger.js';

// One mapping from failures to error codes, shared by socket acks and the HTTP API, so a
// client sees the same code for the same problem whichever way it came in.

export const fail = (code: ErrorCode, message: string): AckFailure => ({
  ok: false,
  error: { code, message },
});

export const rateLimited = (): AckFailure =>
  fail(ErrorCode.RATE_LIMITED, 'too many requests; slow down and retry');

export const internalError = (): AckFailure =>
  fail(ErrorCode.INTERNAL, 'the server failed to handle this request');

/**
 * Turns an error thrown while handling a request into what the client may see. Expected
 * failures get their own code; anything else is logged with its stack and reaches the
 * client only as INTERNAL.
 */
export function toFailure(err: unknown, logger: Logger, context: object): AckFailure {
  if (err instanceof InvalidCursorError) return fail(ErrorCode.BAD_REQUEST, err.message);
  if (err instanceof StoreUnavailableError) {
    // Expected while Redis restarts or fails over, once per refused request: what failed,
    // without a stack that would say nothing more.
    const cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
    logger.warn({ ...context, cause }, 'storage unavailable');
    return fail(ErrorCode.UNAVAILABLE, 'storage is unavailable; retry shortly');
  }
  logger.error({ err, ...context }, 'request failed');
  return internalError();
}

/** The HTTP status of each error code, where the HTTP API can return it. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.INVALID_ROOM]: 400,
  [ErrorCode.NOT_IN_ROOM]: 403,
  [ErrorCode.EMPTY_TEXT]: 400,
  [ErrorCode.TEXT_TOO_LONG]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.TOO_MANY_ROOMS]: 400,
  [ErrorCode.ROOM_LIMIT]: 429,
  [ErrorCode.INVALID_NAME]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.TOO_MANY_CONNECTIONS]: 429,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.USERNAME_TAKEN]: 409,
  [ErrorCode.NAME_TAKEN]: 409,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.NOT_ALLOWED]: 403,
  [ErrorCode.NOT_MODERATOR]: 403,
  [ErrorCode.BANNED]: 403,
  [ErrorCode.MUTED]: 403,
  [ErrorCode.ROOM_EXISTS]: 409,
  [ErrorCode.SUSPENDED]: 403,
  [ErrorCode.TOO_MANY_REACTIONS]: 409,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL]: 500,
};

/** Answers an HTTP request with `{ error: { code, message } }` and the code's status. */
export function sendHttpError(res: Response, failure: AckFailure): void {
  const body: HttpErrorBody = { error: failure.error };
  res.status(HTTP_STATUS[failure.error.code]).json(body);
}
