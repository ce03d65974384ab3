import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AuthResponse, HttpErrorBody, Member, PublicUser } from '../../../common/contract.js';
import { memberOf } from '../../../client/src/model/auth-api.js';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  /** The session token from Set-Cookie, when the response set one. */
  token: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One HTTP request with a JSON body, through plain HTTP or TLS (HAProxy's local certificate
 * is self-signed, so it is not verified here). Resolves with every status.
 */
export function apiRequest<T = unknown>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: the raw text.
          }
          const cookie = (res.headers['set-cookie'] ?? []).find((c) =>
            c.startsWith('chat_session='),
          );
          const token = cookie?.slice('chat_session='.length, cookie.indexOf(';'));
          resolve({
            status: res.statusCode ?? 0,
            body: parsed as T,
            token: token === '' ? undefined : token,
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A signed-in user as tests need one: who they are, and the token of their session. */
export interface SignedIn {
  user: PublicUser;
  member: Member;
  token: string;
  /** A Cookie header carrying the session. */
  cookie: string;
}

async function signedIn(res: ApiResponse<AuthResponse | HttpErrorBody>): Promise<SignedIn> {
  if (!('user' in (res.body as object)) || res.token === undefined) {
    const error = (res.body as HttpErrorBody).error;
    throw new Error(`sign-in failed: ${res.status} ${error.code} ${error.message}`);
  }
  const { user } = res.body as AuthResponse;
  return Promise.resolve({
    user,
    member: memberOf(user),
    token: res.token,
    cookie: `chat_session=${res.token}`,
  });
}

/** Signs in as a guest (the server must run with GUESTS=true). */
export async function signInGuest(base: string, name: string): Promise<SignedIn> {
  return signedIn(await apiRequest(base, 'POST', '/api/auth/guest', { name }));
}

export const TEST_PASSWORD = 'correct horse battery';

/** Creates an account and signs in to it. */
export async function signUp(
  base: string,
  username: string,
  displayName?: string,
): Promise<SignedIn> {
  return signedIn(
    await apiRequest(base, 'POST', '/api/auth/signup', {
      username,
      password: TEST_PASSWORD,
      ...(displayName === undefined ? {} : { displayName }),
    }),
  );
}

/** Signs in to an existing account: another session of the same user. */
export async function logIn(base: string, username: string): Promise<SignedIn> {
  return signedIn(
    await apiRequest(base, 'POST', '/api/auth/login', { username, password: TEST_PASSWORD }),
  );
}
