// Compile-time tests of the contract's typing, run by `npm run typecheck` (tsc): each
// `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
// Nothing here runs.
import type {
  AckedEventName,
  ClientEventName,
  ClientToServerEvents,
  RequestOf,
  ResultOf,
  ServerEventName,
  ServerToClientEvents,
} from '../../common/contract.js';
import { requestWithAck, type ChatClientSocket } from '../../common/request.js';
import type { EventHandler, EventHandlers } from '../src/socket/dispatch.js';
import { historySchema, joinSchema, sendSchema } from '../src/validation.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

// The name tables list exactly the events of the maps.
export type TablesMatchMaps = [
  Assert<Same<ClientEventName, keyof ClientToServerEvents>>,
  Assert<Same<ServerEventName, keyof ServerToClientEvents>>,
  Assert<Same<AckedEventName, Exclude<ClientEventName, 'typing'>>>,
  Assert<Same<RequestOf<'message:send'>['clientId'], string>>,
  Assert<Same<ResultOf<'typing'>, never>>,
];

const message = { id: '1', room: 'r', author: { id: 'u1', name: 'a' }, text: 't', ts: 0 };

export const rightShape: EventHandler<'message:send'> = {
  schema: sendSchema,
  handle: () => Promise.resolve({ ok: true, message }),
};

export const wrongAck: EventHandler<'message:send'> = {
  schema: sendSchema,
  // @ts-expect-error the ack of message:send carries `message`, not `msg`
  handle: () => Promise.resolve({ ok: true, msg: message }),
};

export const wrongField: EventHandler<'message:send'> = {
  schema: sendSchema,
  // @ts-expect-error a send request has `text`, not `body`
  handle: (_ctx, { body }: { body: string }) =>
    Promise.resolve({ ok: true, message: { ...message, text: body } }),
};

export const wrongSchema: EventHandler<'message:send'> = {
  // @ts-expect-error the schema must produce a send request, not a history request
  schema: historySchema,
  handle: () => Promise.resolve({ ok: true, message }),
};

export const misspelled: Partial<EventHandlers> = {
  // @ts-expect-error no such event in the contract
  'history:fecth': { schema: historySchema, handle: () => Promise.resolve({ ok: true }) },
};

// @ts-expect-error every client event needs a handler: this table lacks all but one
export const incomplete: EventHandlers = {
  'room:join': {
    schema: joinSchema,
    handle: () => Promise.reject(new Error('unused')),
  },
};

// The client side: requests are typed by the same maps.
export async function clientSide(socket: ChatClientSocket): Promise<void> {
  const sent: ResultOf<'message:send'> = await requestWithAck(
    socket,
    'message:send',
    { room: 'r', text: 't', clientId: 'c' },
    1000,
  );
  if (sent.ok) {
    // @ts-expect-error the ack's message text is a string
    const _text: number = sent.message.text;
  }
  // @ts-expect-error misspelled event name
  await requestWithAck(socket, 'message:sned', { room: 'r', text: 't', clientId: 'c' }, 1000);
  // @ts-expect-error a send needs a clientId
  await requestWithAck(socket, 'message:send', { room: 'r', text: 't' }, 1000);
  // @ts-expect-error typing takes no ack
  await requestWithAck(socket, 'typing', { room: 'r', typing: true }, 1000);
}
