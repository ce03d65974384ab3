/** The cookie that carries a sign-in session's token, for the HTTP API and socket handshakes. */
export const SESSION_COOKIE = 'chat_session';

/** Reads one cookie from a Cookie header (no dependency needed for one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
