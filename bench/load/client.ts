// One simulated chat user: completes its server's handshake and join, answers pings, counts
// every chat message it receives and, when sampled, decodes the send time for latency. It can
// also make any request of the contract and await its ack, and reconnect.
import type { Ack, ClientEventName, RequestOf, ResultOf } from '../../common/contract.js';
import { messageText, type Dialect } from './dialect.js';
import { LightSocket, type Endpoint, type FrameHandler } from './light-socket.js';

const AT = 0x40; // '@'
const COLON = 0x3a;
const ZERO = 0x30;
const ACK_OK = Buffer.from('[{"ok":true');

/** Monotonic microseconds, shared by the senders and receivers of this process. */
export const nowMicros = (): number => Math.round(performance.now() * 1000);

/** An ack's payload is `buf[start, end)`: the JSON array after the ack id. */
type AckWaiter = (ok: boolean, buf: Buffer, start: number, end: number) => void;

/**
 * What a request is answered with: its contract's ack (for `typing`, which the contract sends
 * without one, the server's plain `{ ok }`). A request still waiting when its connection
 * closes is answered by the client itself, as INTERNAL.
 */
export type Reply<E extends ClientEventName> = [ResultOf<E>] extends [never] ? Ack : ResultOf<E>;

/** Called with each sampled delivery: the receiver's group, send to receipt, and the sender's stream. */
export type Sampler = (group: string, latencyMicros: number, stream: number) => void;

const CLOSED = Buffer.from(
  '[{"ok":false,"error":{"code":"INTERNAL","message":"connection closed"}}]',
);

export class BenchClient implements FrameHandler {
  /** Chat messages delivered to this client. */
  received = 0;
  /** Changes of messages (edits, reactions) and typing notices delivered (T only). */
  updates = 0;
  typings = 0;
  /** Sampled clients only: receipts out of order or seen twice, and holes in a sender's sequence. */
  disorder = 0;
  gaps = 0;
  acked = 0;
  refused = 0;
  lastRefusal = '';
  closedBy: string | undefined;
  /** Called with each successful ack's round trip, send to ack, in microseconds. */
  onAckLatency: ((micros: number) => void) | undefined;
  private socket: LightSocket | undefined;
  private nextAckId = 1;
  private readonly acks = new Map<number, AckWaiter>();
  /** Ack ids of `request()`s: answered as refused if the connection closes first. */
  private readonly requests = new Set<number>();
  private readonly lastSeq = new Map<number, number>();
  private settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private joinOnConnect = true;

  constructor(
    readonly id: number,
    readonly room: string,
    readonly group: string,
    private readonly dialect: Dialect,
    /** T's session token ('' for the others). */
    private readonly session: string,
    private readonly sample: Sampler | undefined,
  ) {}

  get pendingAcks(): number {
    return this.acks.size;
  }

  /**
   * Connects, handshakes and (unless `join` is false) joins its room; resolves with the time
   * that took, in microseconds. May be called again after `close()` to reconnect.
   */
  async connect(endpoint: Endpoint, { timeoutMs = 30_000, join = true } = {}): Promise<number> {
    const started = nowMicros();
    this.closedBy = undefined;
    this.joinOnConnect = join;
    const ready = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    const timer = setTimeout(() => {
      this.settle?.reject(new Error(`client ${this.id} not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    this.socket = LightSocket.connect(endpoint, this.dialect.path(this.room), this);
    this.socket.opened.then(
      () => {
        if (this.dialect.connectPacket('') === undefined) this.settle?.resolve();
      },
      (err: unknown) => {
        this.settle?.reject(err as Error);
      },
    );
    try {
      await ready;
    } finally {
      clearTimeout(timer);
    }
    return nowMicros() - started;
  }

  close(): void {
    this.socket?.close();
  }

  /**
   * Emits `event` with an ack and resolves with the ack, parsed, and its round trip (send to
   * ack, in microseconds). Acks are rare next to deliveries, so parsing them costs little.
   */
  request<E extends ClientEventName>(
    event: E,
    payload: RequestOf<E>,
  ): Promise<{ reply: Reply<E>; micros: number }> {
    const ackId = this.nextAckId++;
    const sentAt = nowMicros();
    return new Promise((resolve) => {
      this.requests.add(ackId);
      this.acks.set(ackId, (_ok, buf, start, end) => {
        this.requests.delete(ackId);
        const [reply] = JSON.parse(buf.toString('utf8', start, end)) as [Reply<E>];
        resolve({ reply, micros: nowMicros() - sentAt });
      });
      if (this.socket?.isOpen)
        this.socket.sendText(`42${ackId}${JSON.stringify([event, payload])}`);
      else this.failRequests();
    });
  }

  /** Chat messages this client has sent; each carries its sequence number. */
  sent = 0;

  /** Sends one chat message; on servers that acknowledge, the ack is counted when it comes. */
  send(): void {
    const seq = ++this.sent;
    const sentAt = nowMicros();
    const text = messageText(sentAt, this.id, seq);
    const clientId = `m${this.id}_${seq}`;
    const ackId = this.nextAckId++;
    if (this.dialect.explicitJoin) {
      this.acks.set(ackId, (ok, buf, start, end) => {
        if (ok) {
          this.acked++;
          this.onAckLatency?.(nowMicros() - sentAt);
        } else {
          this.refused++;
          this.lastRefusal = buf.toString('utf8', start, Math.min(end, start + 300));
        }
      });
    }
    this.socket?.sendText(this.dialect.sendFrame(this.room, text, clientId, ackId));
  }

  onOpen(): void {
    // The socket is known from connect(); frames may follow at once.
  }

  onClose(reason: string): void {
    this.closedBy = reason;
    this.settle?.reject(new Error(`client ${this.id} closed: ${reason}`));
    this.failRequests();
  }

  /** Answers the requests still waiting, as the connection they went out on is gone. */
  private failRequests(): void {
    for (const id of this.requests) {
      const waiter = this.acks.get(id);
      this.acks.delete(id);
      waiter?.(false, CLOSED, 0, CLOSED.length);
    }
    this.requests.clear();
  }

  onText(buf: Buffer, start: number, end: number): void {
    if (startsWith(buf, start, end, this.dialect.messagePrefix)) {
      this.delivered(buf, start, end);
      return;
    }
    const { updatePrefix, typingPrefix } = this.dialect;
    if (updatePrefix && startsWith(buf, start, end, updatePrefix)) {
      this.updates++;
      return;
    }
    if (typingPrefix && startsWith(buf, start, end, typingPrefix)) {
      this.typings++;
      return;
    }
    const c0 = buf[start];
    if (c0 === 0x32 /* EIO ping */) {
      this.socket?.sendText('3');
    } else if (c0 === 0x30 /* EIO open */) {
      this.socket?.sendText(this.dialect.connectPacket(this.session) ?? '');
    } else if (c0 === 0x34 /* EIO message */) {
      const c1 = buf[start + 1];
      if (c1 === 0x30 /* SIO connect */) this.joined();
      else if (c1 === 0x33 /* SIO ack */) this.onAck(buf, start + 2, end);
      else if (c1 === 0x34 /* SIO connect_error */) {
        this.settle?.reject(new Error(`refused: ${buf.toString('utf8', start, end)}`));
      }
    }
  }

  private joined(): void {
    if (!this.dialect.explicitJoin || !this.joinOnConnect) {
      this.settle?.resolve();
      return;
    }
    const ackId = this.nextAckId++;
    this.acks.set(ackId, (ok, buf, start, end) => {
      if (ok) this.settle?.resolve();
      else this.settle?.reject(new Error(`join refused: ${buf.toString('utf8', start, end)}`));
    });
    this.socket?.sendText(`42${ackId}["room:join",{"room":"${this.room}"}]`);
  }

  private onAck(buf: Buffer, from: number, end: number): void {
    let id = 0;
    let pos = from;
    for (let c = buf[pos] ?? 0; c >= ZERO && c <= ZERO + 9; c = buf[++pos] ?? 0) {
      id = id * 10 + c - ZERO;
    }
    const waiter = this.acks.get(id);
    if (!waiter) return;
    this.acks.delete(id);
    waiter(startsWith(buf, pos, end, ACK_OK), buf, pos, end);
  }

  private delivered(buf: Buffer, start: number, end: number): void {
    this.received++;
    if (!this.sample) return;
    let pos = buf.indexOf(AT, start);
    if (pos < 0 || pos >= end) return;
    let sentAt = 0;
    for (let c = buf[++pos] ?? 0; c !== AT && pos < end; c = buf[++pos] ?? 0) {
      sentAt = sentAt * 10 + c - ZERO;
    }
    let sender = 0;
    for (let c = buf[++pos] ?? 0; c !== COLON && pos < end; c = buf[++pos] ?? 0) {
      sender = sender * 10 + c - ZERO;
    }
    let seq = 0;
    for (let c = buf[++pos] ?? 0; c !== AT && pos < end; c = buf[++pos] ?? 0) {
      seq = seq * 10 + c - ZERO;
    }
    this.sample(this.group, nowMicros() - sentAt, sender);
    const last = this.lastSeq.get(sender);
    if (last !== undefined && seq <= last) this.disorder++;
    else if (last !== undefined && seq > last + 1) this.gaps += seq - last - 1;
    this.lastSeq.set(sender, seq);
  }
}

/** Whether `buf[start, end)` begins with `prefix`. */
function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  return buf.compare(prefix, 0, prefix.length, start, Math.min(end, start + prefix.length)) === 0;
}
