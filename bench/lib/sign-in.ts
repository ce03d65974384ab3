// T's clients sign in as real ones do: one guest account and session each, made over the
// HTTP API before the timed connect, so every handshake the bench measures is authenticated.

let guests = 0;

async function guestSession(base: string, name: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  if (res.status !== 201 || !cookie) throw new Error(`guest sign-in failed: HTTP ${res.status}`);
  return cookie.slice('chat_session='.length, cookie.indexOf(';'));
}

/** `count` session tokens of distinct guests of the chat at `base` (http://host:port). */
export async function guestSessions(base: string, count: number, concurrency = 16) {
  const tokens: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      tokens[i] = await guestSession(base, `bench${process.pid}x${guests++}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tokens;
}
