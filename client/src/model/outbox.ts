import {
  ErrorCode,
  RETRYABLE_CODES,
  type AckError,
  type Message,
  type ResultOf,
} from '../../../common/contract.js';
import type { Timer, Timers } from '../../../common/timers.js';

export interface OutgoingMessage {
  clientId: string;
  room: string;
  text: string;
  /** The id of the message this one answers. */
  replyTo?: string;
  status: 'pending' | 'failed';
  error?: string;
  /** The server's refusal that failed it, if one did (MUTED carries until when). */
  refusal?: AckError;
  /** Failed attempts while connected (timeouts and retryable refusals but UNAVAILABLE). */
  attempts: number;
  /** Attempts refused UNAVAILABLE in a row: the server is up, its storage is failing over. */
  unavailable: number;
  inFlight: boolean;
}

export interface OutboxOptions {
  /** Failed attempts while connected before a message is marked failed. Default 5. */
  maxAttempts: number;
  /** Wait before attempt `n + 1` after `n` failed ones, in ms. Default 500 · 2ⁿ, at most 8 s. */
  retryDelayMs: (failedAttempts: number) => number;
  /**
   * Refusals with UNAVAILABLE in a row before a message is marked failed. Default 60: a
   * Redis failover or restart takes seconds, and the message goes as soon as it is over.
   */
  maxUnavailable: number;
  /** Wait after the `n`th UNAVAILABLE in a row, in ms. Default 250 · 2ⁿ⁻¹, at most 1 s. */
  unavailableDelayMs: (refusals: number) => number;
}

export const defaultOutboxOptions: OutboxOptions = {
  maxAttempts: 5,
  retryDelayMs: (n) => Math.min(8000, 500 * 2 ** n),
  maxUnavailable: 60,
  unavailableDelayMs: (n) => Math.min(1000, 250 * 2 ** (n - 1)),
};

export interface OutboxDeps {
  timers: Timers;
  options: OutboxOptions;
  /** Sends one message; resolves with its ack, or undefined when none came (timeout, drop). */
  send(item: OutgoingMessage): Promise<ResultOf<'message:send'> | undefined>;
  /** The room is joined on a live connection: its messages may go out. */
  canSend(room: string): boolean;
  connected(): boolean;
  /** The server stored the message. */
  delivered(item: OutgoingMessage, message: Message): void;
  /** The server says this connection is not in the room: it must rejoin, then resume. */
  notInRoom(room: string): void;
  /** The server refused the message for good (muted, too long…). */
  refused(item: OutgoingMessage, error: AckError): void;
  changed(): void;
}

/**
 * Messages waiting for the server's acknowledgement, in the order they were written.
 *
 * Order: in each room only the oldest pending message is on its way; the next goes once it
 * is acknowledged (or marked failed). Whatever is retried, rate-limited or queued while
 * offline, the server therefore stores one sender's messages to a room in the order they
 * were sent. Every attempt carries the message's clientId, so a retry of a message that was
 * stored but whose ack was lost is stored once.
 */
export class Outbox {
  readonly items: OutgoingMessage[] = [];
  private readonly retryTimers = new Map<OutgoingMessage, Timer>();

  constructor(private readonly deps: OutboxDeps) {}

  pendingFor(room: string): OutgoingMessage[] {
    return this.items.filter((m) => m.room === room);
  }

  add(room: string, text: string, replyTo?: string): OutgoingMessage {
    const item: OutgoingMessage = {
      clientId: crypto.randomUUID(),
      room,
      text,
      ...(replyTo === undefined ? {} : { replyTo }),
      status: 'pending',
      attempts: 0,
      unavailable: 0,
      inFlight: false,
    };
    this.items.push(item);
    this.deps.changed();
    this.flush(room);
    return item;
  }

  /** Puts a failed message back in line: before any later message of its room still waiting. */
  retry(clientId: string): void {
    const item = this.items.find((m) => m.clientId === clientId);
    if (!item || item.status !== 'failed') return;
    item.status = 'pending';
    item.attempts = 0;
    item.unavailable = 0;
    delete item.error;
    delete item.refusal;
    this.deps.changed();
    this.resume(item.room);
  }

  discard(clientId: string): void {
    const item = this.items.find((m) => m.clientId === clientId);
    if (!item || item.inFlight) return;
    this.remove(item);
    this.deps.changed();
    this.flush(item.room);
  }

  /** Forgets every message of a room that was left. */
  dropRoom(room: string): void {
    for (const item of this.pendingFor(room)) this.remove(item);
    this.deps.changed();
  }

  /** The room is (re)joined: send its next message now, without waiting for a backoff. */
  resume(room: string): void {
    const head = this.head(room);
    if (head) this.cancelRetry(head);
    this.flush(room);
  }

  /** Sends the room's oldest pending message if it can go now. */
  flush(room: string): void {
    const item = this.head(room);
    if (!item || item.inFlight || this.retryTimers.has(item)) return;
    if (!this.deps.canSend(room)) return; // sent by resume() once the room is joined again
    void this.attempt(item);
  }

  private head(room: string): OutgoingMessage | undefined {
    return this.items.find((m) => m.room === room && m.status === 'pending');
  }

  private async attempt(item: OutgoingMessage): Promise<void> {
    item.inFlight = true;
    let ack: ResultOf<'message:send'> | undefined;
    try {
      ack = await this.deps.send(item);
    } catch {
      ack = undefined;
    } finally {
      item.inFlight = false;
    }
    if (ack?.ok) {
      this.remove(item);
      this.deps.delivered(item, ack.message);
      this.deps.changed();
      this.flush(item.room);
      return;
    }
    if (!this.items.includes(item)) return; // the room was left meanwhile
    if (ack?.error.code === ErrorCode.NOT_IN_ROOM) {
      this.deps.notInRoom(item.room);
      return;
    }
    if (ack && !RETRYABLE_CODES.includes(ack.error.code)) {
      item.refusal = ack.error;
      this.deps.refused(item, ack.error);
      this.fail(item, ack.error.message);
      return;
    }
    // No ack because the connection dropped: the rejoin resumes this room.
    if (!this.deps.connected()) return;
    const { options } = this.deps;
    let delay: number;
    if (ack?.error.code === ErrorCode.UNAVAILABLE) {
      // The server answered: only its storage is away for now (a Redis failover takes a
      // few seconds). Retried often and for longer, so the message goes once it is back.
      item.unavailable++;
      if (item.unavailable >= options.maxUnavailable) {
        this.fail(item, 'Not delivered. The server cannot store messages right now.');
        return;
      }
      delay = options.unavailableDelayMs(item.unavailable);
    } else {
      item.unavailable = 0;
      item.attempts++;
      if (item.attempts >= options.maxAttempts) {
        this.fail(item, 'Not delivered. The server did not confirm this message.');
        return;
      }
      delay = options.retryDelayMs(item.attempts);
    }
    const timer = this.deps.timers.after(delay, () => {
      this.retryTimers.delete(item);
      this.flush(item.room);
    });
    this.retryTimers.set(item, timer);
  }

  /** Marks a message failed (the user may retry or discard it); the next one may go. */
  private fail(item: OutgoingMessage, error: string): void {
    item.status = 'failed';
    item.error = error;
    this.deps.changed();
    this.flush(item.room);
  }

  private cancelRetry(item: OutgoingMessage): void {
    this.retryTimers.get(item)?.cancel();
    this.retryTimers.delete(item);
  }

  private remove(item: OutgoingMessage): void {
    this.cancelRetry(item);
    const index = this.items.indexOf(item);
    if (index !== -1) this.items.splice(index, 1);
  }
}
