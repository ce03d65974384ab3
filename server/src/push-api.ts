import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ErrorCode, Limits } from './contract.js';
import { StoreUnavailableError } from './history/store.js';
import type { Logger } from './logger.js';
import { createTokenBucket } from './rate-limit.js';
import { checkName, checkRoom, checkText } from './socket/guards.js';
import type { SocketDeps } from './socket/types.js';
import { describeIssues } from './validation.js';

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

const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.INVALID_ROOM]: 400,
  [ErrorCode.EMPTY_TEXT]: 400,
  [ErrorCode.TEXT_TOO_LONG]: 400,
  [ErrorCode.INVALID_NAME]: 400,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.UNAVAILABLE]: 503,
};

function sendError(res: Response, code: ErrorCode, message: string): void {
  res.status(STATUS[code] ?? 500).json({ error: { code, message } });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * HTTP API for other programs (a backend job, a bot) to post into rooms and read them:
 * the message is stored, then broadcast through the adapter to every node's clients.
 * Same room, text and name rules as socket messages. Off (404) without PUSH_TOKEN.
 */
export function createPushApi(
  deps: Pick<SocketDeps, 'io' | 'config' | 'history' | 'metrics' | 'now'> & { logger: Logger },
): Router {
  const router = Router();
  const token = deps.config.pushToken;
  const bucket = createTokenBucket(PUSH_RATE_PER_SEC, PUSH_BURST, deps.now);

  router.use('/api', (req, res, next) => {
    if (token === undefined) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    const given = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1] ?? '';
    // Compared as digests, in constant time: the token's length and content stay secret.
    if (!timingSafeEqual(digest(given), digest(token))) {
      res.set('WWW-Authenticate', 'Bearer').status(401).json({ error: 'unauthorized' });
      return;
    }
    next();
  });
  router.use('/api', express.json({ limit: deps.config.maxPayloadBytes }));
  router.param('room', (_req, res, next, room: string) => {
    const invalid = checkRoom(room);
    if (invalid) sendError(res, invalid.error.code, invalid.error.message);
    else next();
  });

  router.post('/api/rooms/:room/messages', async (req, res, next) => {
    try {
      const room = req.params.room;
      const parsed = pushSchema.safeParse(req.body);
      if (!parsed.success) {
        sendError(res, ErrorCode.BAD_REQUEST, describeIssues(parsed.error));
        return;
      }
      const text = checkText(parsed.data.text, deps.config.maxTextLength);
      if (typeof text !== 'string') {
        sendError(res, text.error.code, text.error.message);
        return;
      }
      const author = checkName(parsed.data.author ?? DEFAULT_AUTHOR);
      if ('problem' in author) {
        sendError(res, ErrorCode.INVALID_NAME, author.problem);
        return;
      }
      if (!bucket.take()) {
        sendError(res, ErrorCode.RATE_LIMITED, 'too many messages; slow down and retry');
        return;
      }
      const { message, duplicate } = await deps.history.append({
        room,
        author: { name: author.name },
        text,
        clientId: parsed.data.clientId ?? randomUUID(),
        origin: 'push-api',
      });
      if (!duplicate) {
        deps.io.to(room).emit('message', message);
        deps.metrics.messagesReceived.inc();
      }
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
        sendError(res, ErrorCode.BAD_REQUEST, `limit must be 1–${Limits.historyFetchMaxLimit}`);
        return;
      }
      res.json(await deps.history.latest(room, limit.data));
    } catch (err) {
      next(err);
    }
  });

  // Errors of this API answer in its own JSON shape, never with a stack.
  router.use('/api', (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof StoreUnavailableError) {
      sendError(res, ErrorCode.UNAVAILABLE, 'message history is unavailable; retry shortly');
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser's errors: malformed JSON, a body over the limit, a wrong content type.
      sendError(res, ErrorCode.BAD_REQUEST, 'the body must be a JSON object within the size limit');
      return;
    }
    deps.logger.error({ err }, 'push api failed');
    sendError(res, ErrorCode.INTERNAL, 'the server failed to handle this request');
  });
  return router;
}
