// `npm run bench:accounts`: what identity and durable storage cost, measured on T as users
// run it (a separate process, SQLite, production scrypt cost), and written to
// bench/results/accounts.json:
//   - sign-up, login and guest sign-in latency over HTTP, p50 / p99 / max;
//   - the size of a SQLite database holding 100,000 messages (100 rooms of 1,000, the
//     default HISTORY_LIMIT), written through the store as the server writes them.
import { mkdirSync, mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteHistoryStore } from '../server/src/messages/sqlite-store.js';
import { openDatabase } from '../server/src/storage/sqlite.js';
import { messageText } from './load/dialect.js';
import { startChatNode } from './lib/targets.js';

const SIGNUPS = Number(process.env.BENCH_SIGNUPS ?? 50);
const ROOMS = 100;
const PER_ROOM = 1000;

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (n: number) => Math.round(n * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(at(1)) };
}

async function timed(fn: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return performance.now() - started;
}

const post = (base: string, path: string, body: object) => () =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function signInLatency() {
  const node = await startChatNode('T', {
    core: undefined,
    built: existsSync('dist/server/src/main.js'),
  });
  const base = `http://127.0.0.1:${node.port}`;
  try {
    const password = 'correct horse battery';
    const signup: number[] = [];
    const login: number[] = [];
    const guest: number[] = [];
    // One at a time: the latency of one person signing in on an idle server.
    for (let i = 0; i < SIGNUPS; i++) {
      signup.push(await timed(post(base, '/api/auth/signup', { username: `user${i}`, password })));
    }
    for (let i = 0; i < SIGNUPS; i++) {
      login.push(await timed(post(base, '/api/auth/login', { username: `user${i}`, password })));
    }
    for (let i = 0; i < SIGNUPS; i++) {
      guest.push(await timed(post(base, '/api/auth/guest', { name: `guest ${i}` })));
    }
    return { signup: summary(signup), login: summary(login), guest: summary(guest) };
  } finally {
    await node.process.stop();
  }
}

async function sqliteSize() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  const path = join(dir, 'chat.db');
  const db = openDatabase(path);
  const store = createSqliteHistoryStore(db, { limit: PER_ROOM, dedupTtlMs: 600_000 });
  const started = performance.now();
  for (let i = 0; i < ROOMS * PER_ROOM; i++) {
    const room = `room-${i % ROOMS}`;
    await store.append({
      room,
      author: { id: `user${i % 500}xxxxxxxxxx`, name: `User ${i % 500}` },
      text: messageText(Date.now() * 1000, i % 500, i),
      clientId: `c${i}`,
      origin: 'bench',
    });
  }
  const seconds = (performance.now() - started) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  const bytes = statSync(path).size;
  return {
    messages: ROOMS * PER_ROOM,
    rooms: ROOMS,
    textChars: messageText(0, 0, 0).length,
    bytes,
    megabytes: Math.round((bytes / 1024 / 1024) * 10) / 10,
    bytesPerMessage: Math.round(bytes / (ROOMS * PER_ROOM)),
    appendsPerSecond: Math.round((ROOMS * PER_ROOM) / seconds),
  };
}

const results = {
  at: new Date().toISOString(),
  node: process.version,
  signIn: await signInLatency(),
  sqlite: await sqliteSize(),
};
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/accounts.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
