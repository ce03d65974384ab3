import type { z } from 'zod';
import { ErrorCode, type Ack, type AckFailure } from '../contract.js';
import { InvalidCursorError, StoreUnavailableError } from '../history/store.js';
import { describeIssues } from '../validation.js';
import { fail } from './guards.js';
import type { ChatSocket, SocketDeps } from './types.js';

export interface ConnectionGuard {
  /** Takes a token for any incoming event. */
  allowEvent(): boolean;
  /** Takes a token for a message send. */
  allowMessage(): boolean;
  /** Records a rate-limited request; may disconnect a client that keeps flooding. */
  strike(): void;
}

export interface ConnectionContext {
  socket: ChatSocket;
  deps: SocketDeps;
  guard: ConnectionGuard;
}

type Respond = (result: Ack) => void;

export const rateLimited = (): AckFailure =>
  fail(ErrorCode.RATE_LIMITED, 'too many requests; slow down and retry');

/** Takes the trailing ack function off the raw event arguments, if there is one. */
export function splitAck(args: unknown[]): { payload: unknown; ack: Respond | undefined } {
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    return { payload: args.length > 1 ? args[0] : undefined, ack: last as Respond };
  }
  return { payload: args[0], ack: undefined };
}

/**
 * Registers one client event. Nothing the client sends can make it throw: the payload is
 * validated, the rate limit applied, and any unexpected error is logged and answered as
 * INTERNAL without detail. Events that expect an ack are dropped when the ack is missing,
 * because there is no way to tell the client what went wrong.
 */
export function onRequest<S extends z.ZodType, R extends object>(
  ctx: ConnectionContext,
  event: string,
  options: { schema: S; needsAck: boolean },
  handler: (payload: z.output<S>) => Promise<Ack<R>>,
): void {
  const { socket, deps, guard } = ctx;
  socket.on(event as 'room:join', (...args: unknown[]) => {
    const { payload, ack } = splitAck(args);
    const respond = (result: Ack): void => {
      deps.metrics.acks.inc({ event, code: result.ok ? 'OK' : result.error.code });
      ack?.(result);
    };
    if (!guard.allowEvent()) {
      guard.strike();
      respond(rateLimited());
      return;
    }
    if (options.needsAck && !ack) {
      deps.metrics.acks.inc({ event, code: 'NO_ACK' });
      return;
    }
    const parsed = options.schema.safeParse(payload);
    if (!parsed.success) {
      respond(fail(ErrorCode.BAD_REQUEST, describeIssues(parsed.error)));
      return;
    }
    const run = async (): Promise<Ack<R>> => handler(parsed.data);
    run().then(respond, (err: unknown) => {
      if (err instanceof InvalidCursorError) {
        respond(fail(ErrorCode.BAD_REQUEST, err.message));
        return;
      }
      if (err instanceof StoreUnavailableError) {
        deps.logger.warn({ err, event }, 'history store unavailable');
        respond(fail(ErrorCode.UNAVAILABLE, 'message history is unavailable; retry shortly'));
        return;
      }
      deps.logger.error({ err, event, socket: socket.id }, 'handler failed');
      respond(internalError());
    });
  });
}

export const internalError = (): AckFailure =>
  fail(ErrorCode.INTERNAL, 'the server failed to handle this request');
