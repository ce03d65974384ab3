// `npm run bench:conversations`: what each path of the conversation features costs on T as
// users run it (a separate process, SQLite, sign-in by session), one request at a time so that
// each figure is one request's own work: server CPU per request (from /proc, so the load
// generator's share is not counted) and the sender's ack latency, p50 / p99. Written to
// bench/results/conversations.json. The paths: a plain message (the baseline), a message
// with an @mention resolved, a reply, an edit, a reaction (add, then remove), a read marker,
// and a message in a direct conversation (sent to each participant's every connection).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { io, type Socket } from 'socket.io-client';
import type { Ack } from '../common/contract.js';
import { cpuMicros, round } from './lib/measure.js';
import { startChatNode } from './lib/targets.js';

const N = Number(process.env.BENCH_OPS ?? 2000);
const WARMUP = 1000;

async function account(base: string, username: string) {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  if (res.status !== 201 || !cookie) throw new Error(`sign-up failed: HTTP ${res.status}`);
  const { user } = (await res.json()) as { user: { id: string } };
  return { id: user.id, token: cookie.slice('chat_session='.length, cookie.indexOf(';')) };
}

function connect(base: string, token: string): Promise<Socket> {
  const socket = io(base, { auth: { session: token }, transports: ['websocket'], forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('connect_error', reject);
  });
}

async function call<T extends object>(socket: Socket, event: string, payload: object) {
  const ack = (await socket.timeout(10_000).emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

const node = await startChatNode('T', {
  core: undefined,
  built: existsSync('dist/server/src/main.js'),
});
const base = `http://127.0.0.1:${node.port}`;
const pid = node.process.pid;
try {
  const alice = await account(base, 'alice');
  const bob = await account(base, 'bob');
  const sender = await connect(base, alice.token);
  const reader = await connect(base, bob.token);
  const readerTab = await connect(base, bob.token);
  await call(sender, 'room:join', { room: 'general' });
  await call(reader, 'room:join', { room: 'general' });
  const { room: direct } = await call<{ room: string }>(sender, 'dm:open', { users: [bob.id] });
  await call(sender, 'room:join', { room: direct });
  await call(reader, 'room:join', { room: direct });

  let seq = 0;
  let last = '';
  const send = async (room: string, text: string, extra: object = {}) => {
    const ack = await call<{ message: { id: string } }>(sender, 'message:send', {
      room,
      text,
      clientId: `c${seq++}`,
      ...extra,
    });
    if (room === 'general') last = ack.message.id;
    return ack;
  };
  // Edits and reactions go to one message of a room of its own, which no stream of new
  // messages trims away; a reply answers the message before it.
  await call(sender, 'room:join', { room: 'popular' });
  await call(reader, 'room:join', { room: 'popular' });
  const target = (await send('popular', 'the message everyone reacts to')).message.id;
  await send('general', 'first');
  let flip = false;
  const paths: Record<string, () => Promise<unknown>> = {
    'message:send': () => send('general', `plain message ${seq}`),
    'message:send with a mention': () => send('general', `hey @bob, look at ${seq}`),
    'message:send as a reply': () => send('general', `answer ${seq}`, { replyTo: last }),
    'message:edit': () =>
      call(sender, 'message:edit', { room: 'popular', id: target, text: `edited ${seq++}` }),
    'reaction:add / remove': () => {
      flip = !flip;
      return call(sender, flip ? 'reaction:add' : 'reaction:remove', {
        room: 'popular',
        id: target,
        emoji: '👍',
      });
    },
    // Each read follows a message to read: its CPU is the pair's less a plain message's,
    // and its latency the read's own.
    'room:read': async () => {
      const { message } = await send('general', `to read ${seq}`);
      const started = performance.now();
      await call(reader, 'room:read', { room: 'general', id: message.id });
      return performance.now() - started;
    },
    'message:send in a direct conversation': () => send(direct, `psst ${seq}`),
  };

  const results: Record<string, { cpuMicrosPerOp: number; ackP50Ms: number; ackP99Ms: number }> =
    {};
  for (const [name, op] of Object.entries(paths)) {
    for (let i = 0; i < WARMUP; i++) await op();
    const latencies: number[] = [];
    const cpuBefore = cpuMicros(pid);
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      const own = await op();
      latencies.push(typeof own === 'number' ? own : performance.now() - started);
    }
    const plain = results['message:send']?.cpuMicrosPerOp ?? 0;
    const used = cpuMicros(pid) - cpuBefore - (name === 'room:read' ? plain * N : 0);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(N - 1, Math.floor(q * N))] ?? 0;
    results[name] = {
      cpuMicrosPerOp: round(used / N),
      ackP50Ms: round(at(0.5), 2),
      ackP99Ms: round(at(0.99), 2),
    };
    console.log(name, results[name]);
  }
  for (const s of [sender, reader, readerTab]) s.disconnect();
  const out = { at: new Date().toISOString(), node: process.version, opsPerPath: N, results };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/conversations.json', `${JSON.stringify(out, null, 2)}\n`);
} finally {
  await node.process.stop();
}
