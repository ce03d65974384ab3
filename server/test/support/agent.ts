import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { onTestFinished } from 'vitest';
import {
  RETRYABLE_CODES,
  type Ack,
  type JoinResult,
  type Member,
  type Message,
  type PresenceEvent,
} from '../../../common/contract.js';
import type { Transport } from './client.js';

/**
 * A chat user as the browser client behaves: it rejoins with `since` after every
 * reconnect, retries each message with its clientId until the server acknowledges it, and
 * shows each message id once. It records what a person would see, and what arrived twice.
 */
export class ChatAgent {
  readonly socket: Socket;
  /** Every message shown, by id, in arrival order. */
  readonly shown = new Map<string, Message>();
  /** Messages this agent sent that the server acknowledged. */
  readonly acked: Message[] = [];
  /** Receipts of an id already shown (harmless: the UI dedupes them). */
  duplicateReceipts = 0;
  gaps = 0;
  /** The room's members as this client's presence events and join acks say. */
  readonly members = new Map<string, Member>();
  /** This client's own member id, one per connection. */
  readonly selves: string[] = [];
  readonly disconnectedAt: number[] = [];
  readonly connectedAt: number[] = [];
  private joined = false;
  private presenceDuringJoin: PresenceEvent[] | undefined;
  private newest: string | undefined;
  private readonly pending = new Map<string, string>();
  private readonly inFlight = new Set<string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    url: string,
    readonly name: string,
    readonly room: string,
    transports?: Transport[],
  ) {
    this.socket = io(url, {
      auth: { name },
      forceNew: true,
      // Through HAProxy: keep its stickiness cookie, and accept the test's own certificate.
      withCredentials: true,
      rejectUnauthorized: false,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
      ...(transports ? { transports } : {}),
    });
    this.socket.on('connect', () => {
      this.connectedAt.push(Date.now());
      void this.join();
    });
    this.socket.on('disconnect', () => {
      this.joined = false;
      this.disconnectedAt.push(Date.now());
      this.changed();
    });
    this.socket.on('message', (m: Message) => {
      this.show(m);
    });
    this.socket.on('presence', (p: PresenceEvent) => {
      if (p.room !== this.room) return;
      this.presenceDuringJoin?.push(p);
      this.applyPresence(p);
      this.changed();
    });
    onTestFinished(() => {
      this.socket.disconnect();
    });
  }

  /** Resolves once connected and in the room. */
  ready(): Promise<void> {
    return this.until(() => this.joined);
  }

  send(text: string): void {
    const clientId = randomUUID();
    this.pending.set(clientId, text);
    void this.attempt(clientId);
  }

  /** Resolves once the server has acknowledged at least `count` of this agent's messages. */
  ackedAtLeast(count: number): Promise<void> {
    return this.until(() => this.acked.length >= count);
  }

  /** Resolves once every message this agent sent is acknowledged. */
  settled(): Promise<void> {
    return this.until(() => this.pending.size === 0);
  }

  /** Resolves once every given id has been shown. */
  hasShown(ids: readonly string[]): Promise<void> {
    return this.until(() => ids.every((id) => this.shown.has(id)));
  }

  /** Resolves once `condition` holds, checked whenever this agent's state changes. */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private show(m: Message): void {
    if (m.room !== this.room) return;
    this.newest = m.id;
    if (this.shown.has(m.id)) this.duplicateReceipts++;
    else this.shown.set(m.id, m);
    this.changed();
  }

  private applyPresence(p: PresenceEvent): void {
    if (p.action === 'join') this.members.set(p.member.id, p.member);
    else this.members.delete(p.member.id);
  }

  private async join(): Promise<void> {
    const duringJoin: PresenceEvent[] = [];
    this.presenceDuringJoin = duringJoin;
    const payload =
      this.newest === undefined ? { room: this.room } : { room: this.room, since: this.newest };
    let ack: Ack<JoinResult>;
    try {
      ack = (await this.socket.timeout(5000).emitWithAck('room:join', payload)) as Ack<JoinResult>;
    } catch {
      if (this.socket.connected) void this.join();
      return;
    }
    if (!ack.ok) {
      setTimeout(() => void this.join(), 200);
      return;
    }
    if (ack.gap) this.gaps++;
    this.selves.push(ack.self.id);
    // The ack's list is a snapshot that may predate presence events received meanwhile.
    this.members.clear();
    for (const m of ack.members) this.members.set(m.id, m);
    for (const p of duringJoin) this.applyPresence(p);
    this.presenceDuringJoin = undefined;
    for (const m of ack.history) this.show(m);
    this.joined = true;
    this.changed();
    for (const clientId of this.pending.keys()) void this.attempt(clientId);
  }

  private async attempt(clientId: string): Promise<void> {
    const text = this.pending.get(clientId);
    if (
      text === undefined ||
      this.inFlight.has(clientId) ||
      !this.joined ||
      !this.socket.connected
    ) {
      return;
    }
    this.inFlight.add(clientId);
    let ack: Ack<{ message: Message }> | undefined;
    try {
      ack = (await this.socket
        .timeout(3000)
        .emitWithAck('message:send', { room: this.room, text, clientId })) as Ack<{
        message: Message;
      }>;
    } catch {
      ack = undefined; // no ack in time: maybe stored, maybe not; the clientId makes a retry safe
    } finally {
      this.inFlight.delete(clientId);
    }
    if (ack?.ok) {
      this.pending.delete(clientId);
      this.acked.push(ack.message);
      this.show(ack.message);
      return;
    }
    if (ack && !RETRYABLE_CODES.includes(ack.error.code) && ack.error.code !== 'NOT_IN_ROOM') {
      throw new Error(`${this.name}: ${ack.error.code} ${ack.error.message}`);
    }
    // Retried after a short pause while connected; otherwise after the next rejoin.
    setTimeout(() => void this.attempt(clientId), 100);
  }
}
