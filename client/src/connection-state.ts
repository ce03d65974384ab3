/** What the status bar shows. Changed in one place only: `Chat.setConnection`. */
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

export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};
