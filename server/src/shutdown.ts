import type { Server as HttpServer } from 'node:http';
import type { Logger } from './logger.js';
import type { ChatIO } from './io.js';

/** After sockets close, in-flight HTTP requests get this long before their connections are cut. */
const HTTP_CLOSE_GRACE_MS = 1000;

export interface ShutdownSteps {
  io: ChatIO;
  httpServer: HttpServer;
  logger: Logger;
  /** How long /readyz says 503 before sockets close, in ms (0 when the server never listened). */
  drainMs: number;
  /** Called once no new background work may start (announcements need the adapter). */
  quiesce: () => void;
  /** Background work already started, which must finish while the adapter is still open. */
  background: Set<Promise<unknown>>;
  /** Stops the presence heartbeat: the other nodes announce this node's members. */
  closePresence: () => Promise<void>;
  /** Closes what outlives the sockets: client assets, the store, metrics. */
  release: () => Promise<void>;
}

/**
 * The graceful shutdown sequence: drain (the caller has already turned /readyz to 503),
 * let background work finish, then close every socket without a disconnect packet so that
 * clients reconnect by themselves (to another node behind a load balancer), then the rest.
 */
export async function shutdown(steps: ShutdownSteps): Promise<void> {
  const { io, httpServer, logger } = steps;
  if (steps.drainMs > 0) {
    logger.info({ drainMs: steps.drainMs }, 'draining');
    await new Promise((resolve) => setTimeout(resolve, steps.drainMs));
  }
  // Announcements still on their way need the adapter, which io.close() shuts; none may
  // start from here on, so one wait covers them all.
  steps.quiesce();
  await Promise.allSettled([...steps.background]);
  await steps.closePresence();
  const httpClosed = new Promise<void>((resolve) => {
    // The callback also runs (with an error) when the server never listened.
    void io.close(() => {
      resolve();
    });
  });
  httpServer.closeIdleConnections();
  const cut = setTimeout(() => {
    httpServer.closeAllConnections();
  }, HTTP_CLOSE_GRACE_MS);
  await httpClosed;
  clearTimeout(cut);
  await steps.release();
  logger.info('closed');
}
