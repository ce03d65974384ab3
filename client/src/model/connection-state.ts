/** What the status bar shows. Changed in one place only: `Connection.set`. */
export const ConnectionState = {
  /** First connection attempt, nothing received yet. */
  connecting: 'connecting',
  connected: 'connected',
  /** Lost the connection; socket.io-client is retrying by itself. */
  reconnecting: 'reconnecting',
  /** Not retrying: the browser is offline, the name was refused, or the server sent us away. */
  offline: 'offline',
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface ConnectionChange {
  newState: ConnectionState;
  oldState: ConnectionState;
}

export type Transport = 'polling' | 'websocket';

interface EngineLike {
  transport: { name: string };
  on(event: 'upgrade', listener: (transport: { name: string }) => void): unknown;
}
interface ManagerLike {
  engine: EngineLike;
  on(event: 'open' | 'close', listener: () => void): unknown;
}

/** The connection as the status bar shows it: its state and its transport. */
export class Connection {
  state: ConnectionState = ConnectionState.connecting;
  transport: Transport | undefined;
  private readonly watchedEngines = new WeakSet<EngineLike>();

  /** `onChange` hears every change, with `{ newState, oldState }` when the state changed. */
  constructor(private readonly onChange: (change?: ConnectionChange) => void) {}

  /** The one place the connection state changes. */
  set(newState: ConnectionState): void {
    const oldState = this.state;
    if (oldState === newState) return;
    this.state = newState;
    this.onChange({ newState, oldState });
  }

  /**
   * Follows the transport in use. It belongs to the Engine.IO connection, which opens (on
   * polling) before the Socket.IO handshake completes and may upgrade before or after it.
   */
  watch(manager: ManagerLike): void {
    manager.on('open', () => {
      const engine = manager.engine;
      this.transport = engine.transport.name as Transport;
      if (!this.watchedEngines.has(engine)) {
        this.watchedEngines.add(engine);
        engine.on('upgrade', (transport) => {
          this.transport = transport.name as Transport;
          this.onChange();
        });
      }
      this.onChange();
    });
    manager.on('close', () => {
      this.transport = undefined;
      this.onChange();
    });
  }
}
