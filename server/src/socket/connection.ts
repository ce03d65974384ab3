import { Connection } from './connection-limits.js';
import { dispatch, type EventHandlers } from './dispatch.js';
import { fetchHistory, sendMessage } from './handlers/messages.js';
import { deleteRoom, suspend } from './handlers/admin.js';
import { markAllRead, markRead, openDirect, roomsState } from './handlers/conversations.js';
import {
  ban,
  createRoom,
  invite,
  kick,
  mute,
  readAudit,
  setRole,
  unban,
  unmute,
  updateRoom,
} from './handlers/moderation.js';
import {
  addReaction,
  deleteMessage,
  editMessage,
  removeReaction,
} from './handlers/message-changes.js';
import { listReports, reportMessage, resolveReport } from './handlers/reports.js';
import { announceDeparture } from '../rooms/presence.js';
import { declineInvitation, joinRoom, leaveRoom, listRooms, myRooms } from './handlers/rooms.js';
import { joinUserRooms } from '../rooms/membership.js';
import type { ChatSocket } from '../io.js';
import type { ChatDeps, RequestContext } from '../deps.js';
import { typing } from './handlers/typing.js';
import { alive } from './handlers/alive.js';

/** Every client event of the contract and its handler: a missing or misspelled one does not compile. */
const handlers: EventHandlers = {
  'room:join': joinRoom,
  'room:leave': leaveRoom,
  'rooms:list': listRooms,
  'rooms:state': roomsState,
  'rooms:mine': myRooms,
  'invitation:decline': declineInvitation,
  'dm:open': openDirect,
  'room:read': markRead,
  'rooms:read-all': markAllRead,
  'room:create': createRoom,
  'room:update': updateRoom,
  'room:role': setRole,
  'room:invite': invite,
  'room:kick': kick,
  'room:ban': ban,
  'room:unban': unban,
  'room:mute': mute,
  'room:unmute': unmute,
  'room:audit': readAudit,
  'admin:suspend': suspend,
  'admin:delete-room': deleteRoom,
  'message:report': reportMessage,
  'reports:list': listReports,
  'report:resolve': resolveReport,
  'message:send': sendMessage,
  'message:edit': editMessage,
  'message:delete': deleteMessage,
  'reaction:add': addReaction,
  'reaction:remove': removeReaction,
  'history:fetch': fetchHistory,
  typing,
  alive,
};

// A connection's listeners are functions shared by every connection, called by Socket.IO with
// the socket as `this`, which finds its context under this symbol: closures made per
// connection cost about 200 bytes on every idle connection (the bench's S1 heap snapshots).
const CONTEXT = Symbol('connection context');
type Connected = ChatSocket & { [CONTEXT]?: RequestContext };

// One listener for every event rather than one per event: the handlers are shared by all
// connections, and unknown events are answered in the same place.
function onEvent(this: Connected, event: unknown, ...args: unknown[]): void {
  const ctx = this[CONTEXT];
  if (ctx) dispatch(ctx, handlers, event, args);
}

function onDisconnecting(this: Connected, reason: string): void {
  const ctx = this[CONTEXT];
  if (ctx) announceDeparture(this, ctx.deps, reason);
}

function onDisconnect(this: Connected, reason: string): void {
  const ctx = this[CONTEXT];
  if (!ctx) return;
  ctx.deps.caps.release(this);
  ctx.deps.metrics.disconnects.inc({ reason });
}

/** Sets up one new connection: limits, one dispatcher for every client event, presence. */
export function onConnection(deps: ChatDeps) {
  return (socket: Connected): void => {
    socket[CONTEXT] = new Connection(socket, deps);
    deps.internals.install(socket);
    socket.onAny(onEvent);
    deps.caps.track(socket);
    socket.on('disconnecting', onDisconnecting);
    socket.on('disconnect', onDisconnect);
    joinUserRooms(socket).catch((err: unknown) => {
      deps.logger.warn({ err, socket: socket.id }, 'could not join the rooms of its user');
    });
  };
}
