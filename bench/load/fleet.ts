// A set of simulated users against one target: connects them with bounded concurrency, drives
// senders at a fixed rate, and accounts for every delivery.
import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, summarize, type LatencySummary } from '../lib/measure.js';
import { BenchClient } from './client.js';
import type { Dialect } from './dialect.js';
import type { Endpoint } from './light-socket.js';

export interface ClientSpec {
  room: string;
  /** Latency is kept per group (for example the node a client is on). */
  group: string;
  endpoint: Endpoint;
  /** The session token the client signs in with (T only). */
  session?: string;
}

export interface ConnectReport {
  connected: number;
  failed: number;
  firstError: string | undefined;
  seconds: number;
  perSecond: number;
  /** Connect time: TCP connect to joined, in milliseconds. */
  latency: LatencySummary;
}

export interface LoadReport {
  /** Messages the senders were asked to send per second, and sent. */
  offeredPerSec: number;
  sent: number;
  refused: number;
  unacked: number;
  expectedDeliveries: number;
  deliveries: number;
  lost: number;
  /** Receipts seen twice or out of order, and holes in a sender's sequence (sampled clients). */
  disorder: number;
  gaps: number;
  /** Deliveries per second over the time from the first send to the last delivery. */
  deliveredPerSec: number;
  seconds: number;
  /** How far the sending loop fell behind its schedule, in milliseconds. */
  senderLagMs: number;
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class Fleet {
  readonly clients: BenchClient[] = [];
  private readonly histograms = new Map<string, Histogram>();
  /** Senders' ack round trips (send to ack), every ack of every client. */
  private acks = newHistogram();
  private readonly roomSize = new Map<string, number>();
  private lastId = 0;

  /**
   * Every `sampleStride`-th client decodes send times for latency; all count deliveries. The
   * stride is odd so that clients spread over two nodes by parity are sampled on both.
   */
  constructor(
    private readonly dialect: Dialect,
    private readonly sampleStride: number,
  ) {}

  private recordAck = (micros: number): void => {
    this.acks.recordValue(Math.max(1, micros));
  };

  private record = (group: string, micros: number): void => {
    let h = this.histograms.get(group);
    if (!h) this.histograms.set(group, (h = newHistogram()));
    h.recordValue(Math.max(1, micros));
  };

  async connect(specs: ClientSpec[], concurrency: number): Promise<ConnectReport> {
    const connectTimes = newHistogram();
    let failed = 0;
    let firstError: string | undefined;
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      while (next < specs.length) {
        const spec = specs[next] as ClientSpec;
        const id = ++this.lastId;
        next++;
        const sampled = id % this.sampleStride === 0;
        const client = new BenchClient(
          id,
          spec.room,
          spec.group,
          this.dialect,
          spec.session ?? '',
          sampled ? this.record : undefined,
        );
        client.onAckLatency = this.recordAck;
        try {
          connectTimes.recordValue(Math.max(1, await client.connect(spec.endpoint)));
          this.clients.push(client);
          this.roomSize.set(spec.room, (this.roomSize.get(spec.room) ?? 0) + 1);
        } catch (err) {
          failed++;
          firstError ??= (err as Error).message;
          client.close();
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    return {
      connected: specs.length - failed,
      failed,
      firstError,
      seconds: Math.round(seconds * 100) / 100,
      perSecond: Math.round((specs.length - failed) / seconds),
      latency: summarize(connectTimes),
    };
  }

  /** Clears latency samples, so that the next load step is measured alone. */
  resetLatency(): void {
    this.histograms.clear();
    this.acks = newHistogram();
  }

  /** Ack latency of the sends since the last `resetLatency()`. */
  ackLatency(): LatencySummary {
    return summarize(this.acks);
  }

  latency(group?: string): LatencySummary {
    if (group !== undefined) return summarize(this.histograms.get(group) ?? newHistogram());
    const all = newHistogram();
    for (const h of this.histograms.values()) all.add(h);
    return summarize(all);
  }

  received(): number {
    let n = 0;
    for (const c of this.clients) n += c.received;
    return n;
  }

  /** Clients whose connection closed under them (a server that drops clients loses messages). */
  dropped(): number {
    return this.clients.filter((c) => c.closedBy !== undefined).length;
  }

  /**
   * Sends `ratePerSec` messages per second for `seconds`, round-robin over `senders`, then
   * waits until every expected delivery has arrived or none arrived for `quietMs`.
   */
  async load(
    senders: BenchClient[],
    ratePerSec: number,
    seconds: number,
    quietMs = 2000,
  ): Promise<LoadReport> {
    const before = this.received();
    const integrityBefore = this.integrity();
    const counts = senders.map((s) => ({ sent: s.sent, refused: s.refused }));
    const total = Math.round(ratePerSec * seconds);
    let sent = 0;
    let lag = 0;
    const started = performance.now();
    while (sent < total) {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed * ratePerSec) / 1000) + 1);
      lag = Math.max(lag, elapsed - ((due - 1) * 1000) / ratePerSec);
      for (; sent < due; sent++) (senders[sent % senders.length] as BenchClient).send();
      const nextAt = (sent * 1000) / ratePerSec;
      await wait(Math.max(0, Math.min(5, nextAt - (performance.now() - started))));
    }
    const sendDone = performance.now();

    const expectedNow = (): number => {
      let expected = 0;
      senders.forEach((sender, i) => {
        const base = counts[i] ?? { sent: 0, refused: 0 };
        const stored = sender.sent - base.sent - (sender.refused - base.refused);
        expected += stored * ((this.roomSize.get(sender.room) ?? 1) - 1);
      });
      return expected;
    };
    let last = this.received() - before;
    let lastChange = performance.now();
    let lastDeliveryAt = performance.now();
    for (;;) {
      const got = this.received() - before;
      const acksPending = senders.some((s) => s.pendingAcks > 0);
      if (got >= expectedNow() && !acksPending) {
        if (got !== last) lastDeliveryAt = performance.now();
        break;
      }
      if (got !== last) {
        last = got;
        lastChange = lastDeliveryAt = performance.now();
      } else if (performance.now() - lastChange > quietMs) break;
      await wait(5);
    }
    const deliveries = this.received() - before;
    const integrity = this.integrity();
    const elapsed = (Math.max(lastDeliveryAt, sendDone) - started) / 1000;
    return {
      offeredPerSec: ratePerSec,
      sent,
      refused: senders.reduce((n, s, i) => n + s.refused - (counts[i]?.refused ?? 0), 0),
      unacked: senders.reduce((n, s) => n + s.pendingAcks, 0),
      expectedDeliveries: expectedNow(),
      deliveries,
      lost: Math.max(0, expectedNow() - deliveries),
      disorder: integrity.disorder - integrityBefore.disorder,
      gaps: integrity.gaps - integrityBefore.gaps,
      deliveredPerSec: Math.round(deliveries / elapsed),
      seconds: Math.round(elapsed * 100) / 100,
      senderLagMs: Math.round(lag),
    };
  }

  integrity(): { disorder: number; gaps: number } {
    let disorder = 0;
    let gaps = 0;
    for (const c of this.clients) {
      disorder += c.disorder;
      gaps += c.gaps;
    }
    return { disorder, gaps };
  }

  close(): void {
    for (const c of this.clients) c.close();
    this.clients.length = 0;
  }
}
