import { StrikeCounter, TokenBucket } from '../limits/rate-limit.js';
import { ErrorCode, type Ack } from '../../../common/contract.js';
import type { ChatSocket } from '../io.js';
import type { Actor } from '../accounts/actor.js';
import type { ChatDeps, RequestContext } from '../deps.js';

/**
 * The rate limits of one connection: events of any kind, and the strikes that cut off a
 * flooder. The message rate belongs to the user, across connections (user-limits.ts).
 * A class, as every connection holds one (see rate-limit.ts), and the events' token bucket
 * itself rather than holding one: an object less on every idle connection.
 */
export class ConnectionLimits extends TokenBucket {
  /** Made at the first strike: most connections never get one. */
  private strikes: StrikeCounter | undefined;
  private cut = false;
  /** Strikes recorded before the cut, and RATE_LIMITED answers sent: see `mayAnswer`. */
  private struck = 0;
  private refused = 0;

  constructor(
    readonly socket: ChatSocket,
    readonly deps: ChatDeps,
  ) {
    super(deps.config.eventRatePerSec, deps.config.eventBurst, deps.now);
  }

  /** Takes a token for any incoming event. */
  allowEvent(): boolean {
    return this.take();
  }

  get cutOff(): boolean {
    return this.cut;
  }

  /**
   * Whether a request's answer may still go out. Answers of requests already running when
   * the connection was cut off still do, but a RATE_LIMITED one only for a strike made before
   * the cut: a client hears one refusal per strike (FLOOD_STRIKES in a burst), then the
   * disconnect, however many of its requests were still in flight.
   */
  mayAnswer(result: Ack): boolean {
    if (result.ok || result.error.code !== ErrorCode.RATE_LIMITED) return true;
    if (this.cut && this.refused >= this.struck) return false;
    this.refused++;
    return true;
  }

  /** Records a rate-limited request; disconnects a client that keeps flooding. */
  strike(): void {
    const { socket, deps } = this;
    const { floodStrikes, floodWindowMs } = deps.config;
    if (this.cut) return;
    this.struck++;
    this.strikes ??= new StrikeCounter(floodStrikes, floodWindowMs, deps.now);
    if (!this.strikes.strike() || !socket.connected) return;
    this.cut = true;
    const { member } = socket.data;
    // One line per cut: the penalty below refuses the flooder's reconnections, which are
    // logged at debug only, so a reconnect loop cannot flood the log either.
    deps.logger.warn(
      { socket: socket.id, user: member.id, penaltyMs: deps.config.floodPenaltyMs },
      'flooding; disconnected',
    );
    const address = deps.caps.addressOf(socket);
    deps.userLimits.penalise(member.id, address).catch((err: unknown) => {
      deps.logger.debug({ err }, 'could not record a flood penalty');
    });
    // setImmediate, not nextTick: the RATE_LIMITED ack is sent from a promise callback,
    // which nextTick would overtake.
    setImmediate(() => socket.disconnect(true));
  }
}

/**
 * What a handler gets for each event of a connection (its socket, the shared deps and its
 * limits) as one object per connection: the limits are the object itself.
 */
export class Connection extends ConnectionLimits implements RequestContext {
  get limits(): ConnectionLimits {
    return this;
  }

  /** Read afresh for each request: a rename changes the member. */
  get actor(): Actor {
    return actorOf(this.socket, this.deps);
  }
}

/** The actor behind a connection. */
export const actorOf = (socket: ChatSocket, deps: Pick<ChatDeps, 'caps'>): Actor => ({
  member: socket.data.member,
  admin: socket.data.admin === true,
  address: deps.caps.addressOf(socket),
});
