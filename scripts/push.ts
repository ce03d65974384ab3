// Posts a message into a room through the push API:
//   PUSH_TOKEN=… npm run push -- --room general [--author bot] [--url http://localhost:3000] "text"
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  options: {
    room: { type: 'string', default: 'general' },
    author: { type: 'string' },
    url: { type: 'string', default: process.env.PUSH_URL ?? 'http://localhost:3000' },
  },
  allowPositionals: true,
});

const token = process.env.PUSH_TOKEN;
const text = positionals.join(' ');
if (!token || text.trim() === '') {
  process.stderr.write('usage: PUSH_TOKEN=… npm run push -- --room ROOM [--author NAME] "text"\n');
  process.exit(2);
}

const response = await fetch(
  new URL(`/api/rooms/${encodeURIComponent(values.room)}/messages`, values.url),
  {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text, ...(values.author ? { author: values.author } : {}) }),
  },
);
const body = (await response.json()) as unknown;
if (!response.ok) {
  process.stderr.write(`push failed (${response.status}): ${JSON.stringify(body)}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(body)}\n`);
