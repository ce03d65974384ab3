import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished, test } from 'vitest';
import type { Message } from '../../common/contract.js';
import { collect, connect, joinOk, sendOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

// Section 7 of docs/protocol.md is examples/chat-client.ts, run here unchanged against a real
// server: through a refused handshake whose cause goes away, a network cut and a sign-out.

const root = fileURLToPath(new URL('../..', import.meta.url));
const program = readFileSync(`${root}/examples/chat-client.ts`, 'utf8');

test('docs/protocol.md section 7 is examples/chat-client.ts, character for character', () => {
  const doc = readFileSync(`${root}/docs/protocol.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## 7. Example client'), doc.indexOf('## 8.'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBe(program);
});

/** A TCP relay to the server that the test can cut, as a network would, and mend. */
async function startRelay(targetPort: number) {
  const open = new Set<Socket>();
  let cut = false;
  const relay: Server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = createConnection(targetPort, client);
    open.add(client).add(upstream);
    for (const s of [client, upstream]) s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        relay.close(() => {
          resolve();
        });
      }),
  );
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('no relay address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      cut = true;
      for (const s of open) s.destroy();
    },
    mend() {
      cut = false;
    },
  };
}

/** Pipes `client` to the server both ways; either side closing closes both. */
function createConnection(port: number, client: Socket): Socket {
  const upstream = tcpConnect(port, '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end).on('close', end);
  upstream.on('error', end).on('close', end);
  return upstream;
}

/** The example program as a child process, its output kept line by line. */
function runExample(url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/chat-client.ts'], {
    cwd: root,
    env: { ...process.env, CHAT_URL: url, CHAT_NAME: 'Alice' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const w of [...waiters]) w();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  onTestFinished(() => {
    child.kill();
  });
  return {
    lines,
    exited,
    type(line: string) {
      child.stdin.write(`${line}\n`);
    },
    endInput() {
      child.stdin.end();
    },
    /** How many lines so far match `pattern`. */
    count: (pattern: RegExp) => lines.filter((l) => pattern.test(l)).length,
    /** Resolves once `times` lines match `pattern`; rejects if the program exits first. */
    printed(pattern: RegExp, times = 1): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter((l) => pattern.test(l)).length < times) return;
          waiters.splice(waiters.indexOf(check), 1);
          resolve();
        };
        waiters.push(check);
        check();
        void exited.then((code) => {
          reject(new Error(`exited (${code}) before ${pattern}:\n${lines.join('\n')}`));
        });
      });
    },
  };
}

test('the example client recovers from a refusal, a network cut and a sign-out, losing nothing', async () => {
  // Two connections per address: the test's own two fill it before the program starts.
  const { url, port } = await startTestServer({ maxConnectionsPerAddress: 2 });
  const relay = await startRelay(port);
  const bob = await connect(url, { name: 'bob' });
  await joinOk(bob, 'general');
  const carol = await connect(url, { name: 'carol' });
  // By id, as the document asks of clients: a retry from a new connection is broadcast again.
  const fromAlice = () => [
    ...new Map(
      collected.filter((m) => m.author.name === 'Alice').map((m) => [m.id, m.text]),
    ).values(),
  ];
  const collected = collect<Message>(bob, 'message');

  const alice = runExample(relay.url);
  await alice.printed(/^refused \(TOO_MANY_CONNECTIONS\)/);
  // The cause goes away: the program tries again after its pause, and gets in.
  carol.disconnect();
  await alice.printed(/^joined general$/);
  const hello = await waitFor<Message>(bob, 'message', (m) => m.text === 'hello');
  expect(hello.author.name).toBe('Alice');
  await alice.printed(/Alice \S+: hello$/); // its ack, too

  // The network goes: what bob says meanwhile, and what Alice types, arrive once it is back.
  relay.cut();
  await alice.printed(/^disconnected \(transport (close|error)\)$/);
  await sendOk(bob, 'general', 'said during the cut');
  alice.type('typed during the cut');
  relay.mend();
  await alice.printed(/^joined general$/, 2);
  await alice.printed(/bob \S+: said during the cut$/);
  await waitFor<Message>(bob, 'message', (m) => m.text === 'typed during the cut');

  // Signed out: the server says so, and the program signs in again instead of reconnecting.
  alice.type('/logout');
  await alice.printed(/^session ended \(logout\): signing in again$/);
  await alice.printed(/^signed in as Alice$/, 2);
  await alice.printed(/^joined general$/, 3);
  alice.type('after signing in again');
  const after = await waitFor<Message>(bob, 'message', (m) => m.text === 'after signing in again');
  expect(after.author.id).not.toBe(hello.author.id);

  alice.endInput();
  expect(await alice.exited).toBe(0);
  // Each line once: on Alice's screen, and as bob received them.
  expect(alice.count(/: said during the cut$/)).toBe(1);
  expect(alice.count(/: hello$/)).toBe(1);
  expect(fromAlice()).toEqual(['hello', 'typed during the cut', 'after signing in again']);
}, 60_000);
