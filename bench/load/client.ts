// One simulated chat user: completes its server's handshake and join, answers pings, counts
// every chat message it receives and, when sampled, decodes the send time for latency.
import { messageText, type Dialect } from './dialect.js';
import { LightSocket, type Endpoint, type FrameHandler } from './light-socket.js';

const AT = 0x40; // '@'
const COLON = 0x3a;
const ZERO = 0x30;
const ACK_OK = Buffer.from('[{"ok":true');

/** Monotonic microseconds, shared by the senders and receivers of this process. */
export const nowMicros = (): number => Math.round(performance.now() * 1000);

type AckWaiter = (ok: boolean, detail: string) => void;

export class BenchClient implements FrameHandler {
  /** Chat messages delivered to this client. */
  received = 0;
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
  private readonly lastSeq = new Map<number, number>();
  private settle: { resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(
    readonly id: number,
    readonly room: string,
    readonly group: string,
    private readonly dialect: Dialect,
    /** T's session token ('' for the others). */
    private readonly session: string,
    private readonly sample: ((group: string, latencyMicros: number) => void) | undefined,
  ) {}

  get pendingAcks(): number {
    return this.acks.size;
  }

  /** Connects, handshakes and joins; resolves with the time that took, in microseconds. */
  async connect(endpoint: Endpoint, timeoutMs = 30_000): Promise<number> {
    const started = nowMicros();
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
      this.acks.set(ackId, (ok, detail) => {
        if (ok) {
          this.acked++;
          this.onAckLatency?.(nowMicros() - sentAt);
        } else {
          this.refused++;
          this.lastRefusal = detail;
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
  }

  onText(buf: Buffer, start: number, end: number): void {
    const prefix = this.dialect.messagePrefix;
    if (buf.compare(prefix, 0, prefix.length, start, Math.min(end, start + prefix.length)) === 0) {
      this.delivered(buf, start, end);
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
    if (!this.dialect.explicitJoin) {
      this.settle?.resolve();
      return;
    }
    const ackId = this.nextAckId++;
    this.acks.set(ackId, (ok, detail) => {
      if (ok) this.settle?.resolve();
      else this.settle?.reject(new Error(`join refused: ${detail}`));
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
    const ok = buf.compare(ACK_OK, 0, ACK_OK.length, pos, Math.min(end, pos + ACK_OK.length)) === 0;
    waiter(ok, ok ? '' : buf.toString('utf8', pos, Math.min(end, pos + 300)));
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
    this.sample(this.group, nowMicros() - sentAt);
    const last = this.lastSeq.get(sender);
    if (last !== undefined && seq <= last) this.disorder++;
    else if (last !== undefined && seq > last + 1) this.gaps += seq - last - 1;
    this.lastSeq.set(sender, seq);
  }
}
