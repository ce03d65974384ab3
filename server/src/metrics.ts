import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import type { EngineInternals } from './engine-internals.js';
import type { ChatIO } from './io.js';

export interface MetricsOptions {
  registry?: Registry | undefined;
  /** The node's sockets, counted by transport at scrape time. */
  io: ChatIO;
  /** Counts the connections on the broadcast fast path at scrape time. */
  internals: EngineInternals;
  /** The database of record's size on disk, in bytes, at scrape time (none in memory). */
  databaseBytes?: (() => Promise<number>) | undefined;
}

/** Open connections by transport name (`polling`, `websocket`). */
function connectionsByTransport(io: ChatIO): Map<string, number> {
  const counts = new Map([
    ['polling', 0],
    ['websocket', 0],
  ]);
  for (const socket of io.of('/').sockets.values()) {
    const transport = socket.conn.transport.name;
    counts.set(transport, (counts.get(transport) ?? 0) + 1);
  }
  return counts;
}

/** `chat_database_bytes`, read from the database at scrape time. */
function databaseGauge(registry: Registry, databaseBytes: () => Promise<number>): void {
  new Gauge({
    name: 'chat_database_bytes',
    help: 'Size of the database of record on disk (SQLite file and its WAL, or the PostgreSQL database); every node of a deployment reports the same database',
    registers: [registry],
    async collect() {
      // An unreachable database leaves the last value rather than failing the scrape.
      const bytes = await databaseBytes().catch(() => undefined);
      if (bytes !== undefined) this.set(bytes);
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Prometheus metrics of one server instance; `stop()` releases the event-loop monitor. */
export function createMetrics(options: MetricsOptions) {
  const registry = options.registry ?? new Registry();
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();

  new Gauge({
    name: 'chat_connections',
    help: 'Open Socket.IO connections on this node, by transport',
    labelNames: ['transport'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, count] of connectionsByTransport(options.io)) {
        this.set({ transport }, count);
      }
    },
  });

  new Gauge({
    name: 'chat_fast_path_connections',
    help: 'Connections whose broadcasts are written as direct WebSocket frames (see engine-internals.ts); far below the websocket count means an upgrade broke the fast path',
    registers: [registry],
    collect() {
      this.set(options.internals.fastPathConnections());
    },
  });

  if (options.databaseBytes) databaseGauge(registry, options.databaseBytes);

  new Gauge({
    name: 'chat_event_loop_lag_seconds',
    help: 'Event-loop delay on this node since the previous scrape',
    labelNames: ['quantile'] as const,
    registers: [registry],
    collect() {
      // The histogram reports nanoseconds; it starts at NaN-like huge values when empty.
      const seconds = (ns: number) => (Number.isFinite(ns) && lag.count > 0 ? ns / 1e9 : 0);
      this.set({ quantile: '0.5' }, seconds(lag.percentile(50)));
      this.set({ quantile: '0.99' }, seconds(lag.percentile(99)));
      this.set({ quantile: '1' }, seconds(lag.max));
      lag.reset();
    },
  });

  const engineErrors = new Counter({
    name: 'chat_engine_errors_total',
    help: 'Engine.IO requests refused, by reason ("Session ID unknown" means a load balancer without stickiness)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  options.io.engine.on('connection_error', (err: { message: string }) => {
    engineErrors.inc({ reason: err.message });
  });

  return {
    registry,
    messagesReceived: new Counter({
      name: 'chat_messages_received_total',
      help: 'Messages accepted from clients and stored (retries not counted)',
      registers: [registry],
    }),
    messagesDelivered: new Counter({
      name: 'chat_messages_delivered_total',
      help: 'Message copies handed to recipients connected to this node',
      registers: [registry],
    }),
    acks: new Counter({
      name: 'chat_acks_total',
      help: 'Acks sent, by event and result code (OK for success)',
      labelNames: ['event', 'code'] as const,
      registers: [registry],
    }),
    disconnects: new Counter({
      name: 'chat_disconnects_total',
      help: 'Disconnections, by Socket.IO reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    stop(): void {
      lag.disable();
    },
  };
}
