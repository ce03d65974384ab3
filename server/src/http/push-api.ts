import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ErrorCode, Limits } from '../../../common/contract.js';
import { fail, sendHttpError, toFailure } from '../errors.js';
import { createTokenBucket } from '../limits/rate-limit.js';
import type { ChatDeps } from '../deps.js';
import { checkDisplayName } from '../accounts/names.js';
import { isDirect } from '../conversations/store.js';
import { postMessage } from '../messages/post.js';
import { botId } from '../messages/store.js';
import { checkRoom, checkText, describeIssues } from '../validation.js';

/** Messages per second the push API accepts on one node, sustained and at once. */
const PUSH_RATE_PER_SEC = 100;
const PUSH_BURST = 200;
/** Author shown when a pushing program names none. */
const DEFAULT_AUTHOR = 'system';

const pushSchema = z.object({
  text: z.string(),
  author: z.string().optional(),
  clientId: z.string().regex(Limits.clientIdPattern).optional(),
});

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * HTTP API for other programs (a backend job, a bot) to post into rooms and read them:
 * the message is posted through the same path as a socket's (messages/post.ts), which
 * stores it and then broadcasts it through the adapter to every node's clients. Same room,
 * text and name rules as socket messages. Off (404) without PUSH_TOKEN.
 */
export type PushApiDeps = Pick<
  ChatDeps,
  | 'io'
  | 'config'
  | 'history'
  | 'metrics'
  | 'logger'
  | 'now'
  | 'accounts'
  | 'conversations'
  | 'moderation'
  | 'operators'
>;

// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its routes), each well under the limit
export function createPushApi(deps: PushApiDeps): Router {
  const router = Router();
  const token = deps.config.pushToken;
  const bucket = createTokenBucket(PUSH_RATE_PER_SEC, PUSH_BURST, deps.now);

  router.use('/api/rooms', (req, res, next) => {
    if (token === undefined) {
      sendHttpError(res, fail(ErrorCode.NOT_FOUND, 'not found'));
      return;
    }
    const given = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    // Compared as digests, in constant time: the token's length and content stay secret.
    if (!timingSafeEqual(digest(given), digest(token))) {
      res.set('WWW-Authenticate', 'Bearer');
      sendHttpError(res, fail(ErrorCode.UNAUTHORIZED, 'a valid bearer token is required'));
      return;
    }
    next();
  });
  router.use('/api/rooms', express.json({ limit: deps.config.maxPayloadBytes }));
  router.param('room', (_req, res, next, room: string) => {
    // A program holds no user's identity, so it takes part in no direct conversation.
    const invalid =
      checkRoom(room) ??
      (isDirect(room)
        ? fail(ErrorCode.NOT_ALLOWED, 'direct conversations are open to their participants only')
        : undefined);
    if (invalid) sendHttpError(res, invalid);
    else next();
  });

  router.post('/api/rooms/:room/messages', async (req, res, next) => {
    try {
      const room = req.params.room;
      const parsed = pushSchema.safeParse(req.body);
      if (!parsed.success) {
        sendHttpError(res, fail(ErrorCode.BAD_REQUEST, describeIssues(parsed.error)));
        return;
      }
      const text = checkText(parsed.data.text, deps.config.maxTextLength);
      if (typeof text !== 'string') {
        sendHttpError(res, text);
        return;
      }
      const author = checkDisplayName(parsed.data.author ?? DEFAULT_AUTHOR);
      if (typeof author !== 'string') {
        sendHttpError(res, author);
        return;
      }
      if (!bucket.take()) {
        sendHttpError(res, fail(ErrorCode.RATE_LIMITED, 'too many messages; slow down and retry'));
        return;
      }
      const posted = await postMessage(
        deps,
        {
          room,
          author: { id: botId(author), name: author, bot: true },
          text,
          clientId: parsed.data.clientId ?? randomUUID(),
        },
        { origin: 'push-api', resolveMentions: false },
      );
      if ('ok' in posted) {
        sendHttpError(res, posted);
        return;
      }
      const { message, duplicate } = posted;
      res.status(duplicate ? 200 : 201).json({ message });
    } catch (err) {
      next(err);
    }
  });

  router.get('/api/rooms/:room/messages', async (req, res, next) => {
    try {
      const room = req.params.room;
      const limit = z.coerce
        .number()
        .int()
        .min(1)
        .max(Limits.historyFetchMaxLimit)
        .default(deps.config.historyPage)
        .safeParse(req.query.limit);
      if (!limit.success) {
        sendHttpError(
          res,
          fail(ErrorCode.BAD_REQUEST, `limit must be 1–${Limits.historyFetchMaxLimit}`),
        );
        return;
      }
      const { messages, hasMore } = await deps.history.latest(room, limit.data);
      res.json({ messages, hasMore });
    } catch (err) {
      next(err);
    }
  });

  // Errors of this API answer in its own JSON shape, never with a stack.
  router.use('/api/rooms', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser's errors: malformed JSON, a body over the limit, a wrong content type.
      const message = 'the body must be a JSON object within the size limit';
      sendHttpError(res, fail(ErrorCode.BAD_REQUEST, message));
      return;
    }
    sendHttpError(res, toFailure(err, deps.logger, { api: 'push' }));
  });
  return router;
}
