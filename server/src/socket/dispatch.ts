import type { z } from 'zod';
import {
  ErrorCode,
  isClientEvent,
  type Ack,
  type AckedEventName,
  type ClientEventName,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { fail, rateLimited, toFailure } from '../errors.js';
import { describeIssues } from '../validation.js';
import type { RequestContext } from '../deps.js';

/** What a handler of event `E` resolves with: the contract's ack, or a bare result without one. */
export type HandlerResult<E extends ClientEventName> = E extends AckedEventName ? ResultOf<E> : Ack;

/** The handler of one client event: the schema of its payload and what to do with it. */
export interface EventHandler<E extends ClientEventName> {
  /** Checked against the contract: it must produce exactly `RequestOf<E>`. */
  schema: z.ZodType<RequestOf<E>>;
  /** Runs with a valid payload only; may throw (answered as INTERNAL, logged). */
  handle(ctx: RequestContext, payload: RequestOf<E>): Promise<HandlerResult<E>>;
}

/** Handlers by event name; each concern's file exports some, connection.ts needs them all. */
export type EventHandlers = { [E in ClientEventName]: EventHandler<E> };

interface Incoming {
  payload: unknown;
  ack: ((result: Ack) => void) | undefined;
}

/** Separates the trailing ack function from the raw event arguments. */
function splitAck(args: unknown[]): Incoming {
  const last = args[args.length - 1];
  if (typeof last !== 'function') return { payload: args[0], ack: undefined };
  return { payload: args.length > 1 ? args[0] : undefined, ack: last as (result: Ack) => void };
}

/** Events without an ack in the contract (`typing`) are handled without one too. */
const needsAck = (event: ClientEventName): event is AckedEventName => event !== 'typing';

/**
 * Runs one client event through validation, rate limits and its handler. Nothing a client
 * sends can make it throw: an unknown event or a bad payload gets BAD_REQUEST, an
 * unexpected error is logged and answered as INTERNAL. An event that needs an ack and came
 * without one is dropped: there would be no way to tell the client what happened.
 */
export function dispatch(
  ctx: RequestContext,
  handlers: EventHandlers,
  event: unknown,
  args: unknown[],
): void {
  const incoming = splitAck(args);
  const { ack } = incoming;
  const { metrics } = ctx.deps;
  const name = isClientEvent(event) ? event : 'unknown';
  // Cut off for flooding, the connection is disconnected within a turn: what it sent
  // meanwhile is neither run nor answered.
  if (ctx.limits.cutOff) {
    metrics.acks.inc({ event: name, code: 'CUT_OFF' });
    return;
  }
  if (!ctx.limits.allowEvent()) {
    ctx.limits.strike();
    metrics.acks.inc({ event: name, code: 'RATE_LIMITED' });
    const refusal = rateLimited();
    if (ack && ctx.limits.mayAnswer(refusal)) ack(refusal);
    return;
  }
  if (!isClientEvent(event)) {
    metrics.acks.inc({ event: 'unknown', code: ErrorCode.BAD_REQUEST });
    ack?.(fail(ErrorCode.BAD_REQUEST, 'unknown event'));
    return;
  }
  // Anything a person does keeps their session from expiring for inactivity; the client's
  // liveness check is not something the person did.
  if (event !== 'alive') ctx.deps.sessions.used(ctx.socket);
  run(ctx, event, handlers[event], incoming);
}

function run<E extends ClientEventName>(
  ctx: RequestContext,
  event: E,
  handler: EventHandler<E>,
  { payload, ack }: Incoming,
): void {
  const { metrics, logger } = ctx.deps;
  const respond = (result: Ack): void => {
    if (ack && !ctx.limits.mayAnswer(result)) {
      metrics.acks.inc({ event, code: 'CUT_OFF' });
      return;
    }
    metrics.acks.inc({ event, code: result.ok ? 'OK' : result.error.code });
    ack?.(result);
  };
  if (needsAck(event) && !ack) {
    metrics.acks.inc({ event, code: 'NO_ACK' });
    return;
  }
  const parsed = handler.schema.safeParse(payload);
  if (!parsed.success) {
    respond(fail(ErrorCode.BAD_REQUEST, describeIssues(parsed.error)));
    return;
  }
  // Async, so that a handler that throws before its first await rejects like any other.
  const handle = async () => handler.handle(ctx, parsed.data);
  handle().then(respond, (err: unknown) => {
    respond(toFailure(err, logger, { event, socket: ctx.socket.id }));
  });
}
