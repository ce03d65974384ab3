import type { SessionEndReason } from '../../../common/contract.js';
import type { Timers } from '../../../common/timers.js';
import type { SessionStore } from './store.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { userRoom } from '../rooms/membership.js';
import type { ChatIO, ChatSocket } from '../io.js';

/**
 * Keeps live connections as valid as their credentials: a session that ends (sign-out,
 * sign-out everywhere) or expires, or a token past its `exp`, closes its connections, with
 * `session:ended` first so that the page can say why.
 */
export interface SessionGuard {
  /**
   * Ends the connections of one session, or of every session of a user, on every node.
   * The store has already forgotten the sessions; this only closes what is open.
   */
  end(userId: string, sessionId: string | undefined, reason: SessionEndReason): void;
  /** Notes that a connection did something, so its session counts as in use. */
  used(socket: ChatSocket): void;
  /** Checks the credentials of every connection on this node (also run every `SESSION_CHECK_MS`). */
  check(): Promise<void>;
}

export interface SessionGuardDeps {
  io: ChatIO;
  sessions: SessionStore;
  config: Pick<Config, 'sessionTtlMs' | 'sessionCheckMs'>;
  now: () => number;
  logger: Logger;
  timers: Timers;
  /** Work nobody awaits; shutdown waits for it. */
  background: Set<Promise<unknown>>;
}

interface Closable {
  emit(event: 'session:ended', payload: { reason: SessionEndReason }): unknown;
  disconnect(close: boolean): unknown;
}

const close = (socket: Closable, reason: SessionEndReason): void => {
  socket.emit('session:ended', { reason });
  socket.disconnect(true);
};

export function createSessionGuard(deps: SessionGuardDeps): SessionGuard {
  const { io, sessions, config, logger } = deps;
  // Sessions whose connections sent something since the last check: their expiry slides.
  let inUse = new Set<string>();
  let checking: Promise<void> | undefined;

  const track = (work: Promise<void>, what: string) => {
    const task = work.catch((err: unknown) => {
      logger.warn({ err, what }, 'session check failed');
    });
    deps.background.add(task);
    void task.finally(() => deps.background.delete(task));
  };

  const checkAll = async (): Promise<void> => {
    const bySession = new Map<string, ChatSocket[]>();
    const now = deps.now();
    for (const socket of io.of('/').sockets.values()) {
      const { session, expiresAt } = socket.data;
      if (expiresAt !== undefined && expiresAt <= now) close(socket, 'expired');
      else if (session !== undefined) {
        const list = bySession.get(session);
        if (list) list.push(socket);
        else bySession.set(session, [socket]);
      }
    }
    const used = inUse;
    inUse = new Set();
    for (const [id, sockets] of bySession) {
      let live;
      try {
        live = used.has(id)
          ? await sessions.touch(id, config.sessionTtlMs)
          : await sessions.find(id);
      } catch (err) {
        // The store is away (Redis down): nobody is signed out for that.
        logger.debug({ err }, 'could not check a session');
        continue;
      }
      if (!live) for (const socket of sockets) if (socket.connected) close(socket, 'expired');
    }
  };

  const guard: SessionGuard = {
    end(userId, sessionId, reason) {
      track(
        (async () => {
          const sockets = await io.in(userRoom(userId)).fetchSockets();
          for (const socket of sockets) {
            if (sessionId === undefined || socket.data.session === sessionId) close(socket, reason);
          }
        })(),
        'end sessions',
      );
    },
    used(socket) {
      if (socket.data.session !== undefined) inUse.add(socket.data.session);
    },
    check() {
      checking ??= checkAll().finally(() => {
        checking = undefined;
      });
      return checking;
    },
  };
  deps.timers.every(config.sessionCheckMs, () => {
    track(guard.check(), 'check sessions');
  });
  return guard;
}
