import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';

// A terminal chat client written from docs/protocol.md alone. Run it against a server with
// `CHAT_URL=http://localhost:3000 CHAT_NAME=Alice npx tsx examples/chat-client.ts`: each line
// typed is sent to the room, `/logout` signs out; it stops when its input ends.

type Message = {
  id: string;
  room: string;
  author: { id: string; name: string };
  text: string;
  ts: number;
  pos?: string; // set once the message changed (section 5)
  deleted?: true;
};
type Ack<T> = ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };
type JoinResult = { history: Message[]; hasMore: boolean; gap: boolean };

const SERVER = process.env.CHAT_URL ?? 'http://localhost:3000';
const NAME = process.env.CHAT_NAME ?? 'Alice';
const ROOM = 'general';
const RETRYABLE = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']);
const PAUSE_MS = 2000; // before trying again after a refusal whose cause may go away

// Section 8: sign in (here as a guest) and keep the session token.
let session: string | undefined;
async function signIn() {
  const res = await fetch(`${SERVER}/api/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: NAME }),
  });
  if (!res.ok) throw new Error(`sign-in refused: HTTP ${res.status} ${await res.text()}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  session = cookie?.slice('chat_session='.length, cookie.indexOf(';'));
  console.log(`signed in as ${NAME}`);
}
await signIn();

// `auth` is asked again at every connection attempt, so a new sign-in takes effect.
const socket = io(SERVER, {
  auth: (cb) => {
    cb({ session });
  },
});
const seen = new Set<string>(); // positions already shown: message ids, and changes' `pos`
const held = new Map<string, { pos: string; ts: number }[]>(); // room → positions since the last gap
const rooms = new Set([ROOM]); // rooms the user wants to be in
const joined = new Set<string>(); // rooms joined on the current connection
const unacked = new Map<string, { room: string; text: string }>(); // clientId → message
let ended = false; // the session ended (section 1): sign in again rather than reconnect

// Section 6, step 1: resume from a position 2 s before the newest seen.
function resumeId(room: string): string | undefined {
  const list = held.get(room) ?? [];
  const newestTs = Math.max(...list.map((p) => p.ts));
  return (list.filter((p) => p.ts <= newestTs - 2000).at(-1) ?? list[0])?.pos;
}
// Step 2: a join's `since` is fixed at its first attempt and kept until one is acknowledged.
const resumeFrom = new Map<string, { since: string | undefined }>();

// A new message, or a later state of one (edited, deleted, reacted to): each position once.
function show(m: Message) {
  const pos = m.pos ?? m.id;
  const ts = Number(pos.split('-')[0]);
  held.set(m.room, [...(held.get(m.room) ?? []), { pos, ts }].slice(-500));
  if (seen.has(pos)) return;
  seen.add(pos);
  const what = m.deleted ? '(deleted)' : m.pos ? `${m.text} (changed)` : m.text;
  console.log(`[${m.room}] ${m.author.name} ${m.id}: ${what}`);
}

async function join(room: string) {
  if (!resumeFrom.has(room)) resumeFrom.set(room, { since: resumeId(room) });
  const since = resumeFrom.get(room)?.since;
  const retry = () => {
    if (socket.connected) setTimeout(() => void join(room), 2000);
  };
  try {
    const ack = (await socket
      .timeout(10_000)
      .emitWithAck(
        'room:join',
        since === undefined ? { room } : { room, since },
      )) as Ack<JoinResult>;
    if (!ack.ok) {
      if (RETRYABLE.has(ack.error.code))
        retry(); // same `since`
      else console.error(`join ${room}: ${ack.error.code} ${ack.error.message}`);
      return;
    }
    resumeFrom.delete(room);
    joined.add(room);
    console.log(`joined ${room}`);
    if (ack.gap) console.log(`--- [${room}] some messages may be missing ---`);
    if (ack.gap) held.delete(room); // `history` is the newest page: resume from it from now on
    ack.history.forEach(show);
    for (const [clientId, m] of unacked) if (m.room === room) send(room, m.text, clientId);
  } catch {
    retry(); // ack timeout: try again, from the same `since`
  }
}

const lines = new Map<string, Promise<void>>(); // room → its sends, one after the other

// One send at a time per room, so that messages are stored in the order they were written.
function send(room: string, text: string, clientId: string = crypto.randomUUID()) {
  unacked.set(clientId, { room, text });
  const line = (lines.get(room) ?? Promise.resolve()).then(() => deliver(room, text, clientId));
  lines.set(room, line);
}

async function deliver(room: string, text: string, clientId: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!socket.connected || !joined.has(room)) return; // resent after the next join
    try {
      const ack = (await socket
        .timeout(5000)
        .emitWithAck('message:send', { room, text, clientId })) as Ack<{ message: Message }>;
      if (ack.ok) {
        unacked.delete(clientId);
        show(ack.message);
        return;
      }
      if (ack.error.code === 'NOT_IN_ROOM') return; // resent after the next join
      if (!RETRYABLE.has(ack.error.code)) {
        unacked.delete(clientId);
        console.error(`send: ${ack.error.code} ${ack.error.message}`);
        return;
      }
    } catch {
      // Ack timeout: the message may be stored already; the same clientId makes a retry safe.
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt)); // backoff
  }
}

// Signs in anew and connects with the new session (after `session:ended` or UNAUTHORIZED).
function signInAgain() {
  signIn().then(
    () => {
      ended = false;
      socket.connect();
    },
    (err: unknown) => {
      console.error(`${String(err)}; giving up`);
    },
  );
}

socket.on('message', show);
socket.on('message:updated', show);
socket.on('message:deleted', ({ room, id, pos }: { room: string; id: string; pos: string }) => {
  show({ id, room, author: { id: '', name: '' }, text: '', ts: 0, pos, deleted: true });
});
type Presence = { room: string; member: { name: string }; action: string; count: number };
socket.on('presence', (p: Presence) => {
  console.log(`${p.member.name} ${p.action}s ${p.room} (${p.count})`);
});
socket.on('connect', () => {
  for (const room of rooms) void join(room); // also on every reconnection
});
send(ROOM, 'hello'); // queued in `unacked` until the room is joined
socket.on('disconnect', (reason) => {
  joined.clear();
  console.log(`disconnected (${reason})`);
  // Sent away by the server: socket.io-client does not come back by itself (section 6).
  if (reason === 'io server disconnect') {
    if (ended) signInAgain();
    else setTimeout(() => socket.connect(), 5000); // flooding: after a pause
  }
  // Any other reason (a network cut, a node that went away): socket.io-client reconnects.
});
socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
  const code = err.data?.code;
  // Without a code it is a transport error: socket.io-client keeps retrying by itself.
  if (code === undefined) return;
  // A refused handshake is not retried by socket.io-client (section 1).
  console.error(`refused (${code}): ${err.message}`);
  if (code === 'UNAUTHORIZED') signInAgain();
  else if (code !== 'NAME_TAKEN') setTimeout(() => socket.connect(), PAUSE_MS); // the cause may go
});
socket.on('session:ended', ({ reason }: { reason: string }) => {
  console.error(`session ended (${reason}): signing in again`);
  ended = true; // the disconnect that follows signs in again
});

// Each line typed is a message; `/logout` ends the session (the server then says so).
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line === '/logout') {
    void fetch(`${SERVER}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: `chat_session=${session}` },
    });
  } else if (line.trim() !== '') send(ROOM, line);
});
input.on('close', () => {
  socket.disconnect();
});
