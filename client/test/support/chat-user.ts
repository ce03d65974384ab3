import { onTestFinished } from 'vitest';
import type { Member, Message } from '../../../common/contract.js';
import { Chat, type ChatOptions, type Transport } from '../../src/model/chat.js';
import { ConnectionState } from '../../src/model/connection-state.js';
import type { SignedIn } from '../../../server/test/support/accounts.js';

export interface ChatUserOptions extends Partial<ChatOptions> {
  transports?: Transport[];
}

/**
 * A person using the chat in a test: the browser client's own core (`Chat`) in one room,
 * plus a record of what happened to it: what it was shown, what the server acknowledged,
 * duplicate receipts (harmless: the timeline dedupes them), gaps and reconnects.
 */
export class ChatUser {
  readonly chat: Chat;
  /** This user's messages that the server acknowledged, in ack order. */
  readonly acked: Message[] = [];
  /** Receipts of a message id already shown. */
  duplicateReceipts = 0;
  /** Joins that reported lost continuity. */
  gaps = 0;
  /** This user's member id on each connection, oldest first. */
  readonly selves: string[] = [];
  readonly connectedAt: number[] = [];
  /** When each join of the room was acknowledged, in ms since the epoch. */
  readonly joinedAt: number[] = [];
  readonly disconnectedAt: number[] = [];
  /** When each message of others first arrived live, by id, in ms since the epoch. */
  readonly receivedAt = new Map<string, number>();

  readonly name: string;

  /** `who` signed in through the HTTP API (see server/test/support/accounts.ts). */
  constructor(
    url: string,
    who: SignedIn,
    readonly room: string,
    options: ChatUserOptions = {},
  ) {
    this.name = who.member.name;
    this.chat = new Chat({
      url,
      user: who.member,
      auth: { session: who.token },
      rooms: [room],
      current: room,
      ...options,
      socket: {
        forceNew: true,
        reconnectionDelay: 100,
        reconnectionDelayMax: 1000,
        ...options.socket,
      },
    });
    this.chat.subscribe((event) => {
      if (event.type === 'sent') this.acked.push(event.message);
      else if (event.type === 'incoming' && !this.receivedAt.has(event.message.id)) {
        this.receivedAt.set(event.message.id, Date.now());
      } else if (event.type === 'receipt' && event.duplicate) this.duplicateReceipts++;
      else if (event.type === 'joined' && event.result.room === room) {
        this.selves.push(event.result.self.id);
        this.joinedAt.push(Date.now());
        if (event.result.gap) this.gaps++;
      } else if (event.type === 'connection') {
        const { newState, oldState } = event.change;
        if (newState === ConnectionState.connected) this.connectedAt.push(Date.now());
        else if (oldState === ConnectionState.connected) this.disconnectedAt.push(Date.now());
      }
    });
    onTestFinished(() => {
      this.chat.stop();
    });
    this.chat.start();
  }

  /** The messages this user's timeline shows, by id, in display order. */
  get shown(): Map<string, Message> {
    const shown = new Map<string, Message>();
    for (const item of this.chat.rooms.get(this.room)?.timeline.items ?? []) {
      if (item.kind === 'message') shown.set(item.message.id, item.message);
    }
    return shown;
  }

  /** The room's members as this user's client lists them. */
  get members(): ReadonlyMap<string, Member> {
    return this.chat.rooms.get(this.room)?.presence.members ?? new Map<string, Member>();
  }

  send(text: string): void {
    this.chat.send(text, this.room);
  }

  /** Resolves once connected and in the room. */
  ready(timeoutMs = 15_000): Promise<void> {
    const inRoom = () => this.chat.rooms.get(this.room)?.joined === true;
    return this.until(inRoom, timeoutMs, 'connected and joined');
  }

  /** Resolves once `condition` holds; on a timeout, the error says where this user stood. */
  until(
    condition: () => boolean,
    timeoutMs = 30_000,
    what: string | (() => string) = 'condition',
  ): Promise<void> {
    return this.chat.until(condition, timeoutMs).catch((err: unknown) => {
      const room = this.chat.rooms.get(this.room);
      const outbox = this.chat.outbox.map(
        (m) =>
          `${m.status}${m.inFlight ? '/in flight' : ''}/${m.attempts} attempts${m.error ? ` (${m.error})` : ''}`,
      );
      throw new Error(
        `${this.name}: ${typeof what === 'string' ? what : what()} not met within ${timeoutMs} ms; ${this.chat.connection}, ` +
          `${room?.joined ? 'joined' : 'not joined'}, ${this.acked.length} acked, ` +
          `${this.connectedAt.length} connects, outbox [${outbox.join(', ')}]`,
        { cause: err },
      );
    });
  }

  ackedAtLeast(count: number): Promise<void> {
    return this.until(() => this.acked.length >= count, undefined, `${count} acked`);
  }

  /** Resolves once nothing of this user's waits for an ack any more. */
  settled(timeoutMs = 60_000): Promise<void> {
    return this.until(() => this.chat.outbox.length === 0, timeoutMs, 'empty outbox');
  }

  hasShown(ids: readonly string[]): Promise<void> {
    const all = () => {
      const shown = this.shown;
      return ids.every((id) => shown.has(id));
    };
    return this.until(all, undefined, `${ids.length} messages shown`);
  }
}
