import type {
  AccountDeleteRequest,
  AuthResponse,
  ErrorCode,
  GuestRequest,
  HttpErrorBody,
  LoginRequest,
  Member,
  PasswordChangeRequest,
  PublicUser,
  RenameRequest,
  SessionInfo,
  SignupRequest,
} from '../../../common/contract.js';

/** A refusal of the accounts API, with the contract's code and a sentence to show. */
export class AuthError extends Error {
  constructor(
    readonly code: ErrorCode | 'NETWORK',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

/**
 * The accounts API (`/api/auth/*`) as the page uses it: same origin, the session in an
 * HttpOnly cookie the page never sees. `base` is '' in the browser; Node programs pass the
 * server's URL and a fetch that keeps the cookie.
 */
export function createAuthApi(base = '', fetcher: typeof fetch = fetch.bind(globalThis)) {
  async function call(method: string, path: string, body?: object): Promise<Response> {
    let res: Response;
    try {
      res = await fetcher(`${base}/api/auth/${path}`, {
        method,
        credentials: 'same-origin',
        headers: body ? { 'content-type': 'application/json' } : {},
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new AuthError('NETWORK', 'The server cannot be reached. Check your connection.');
    }
    if (res.ok) return res;
    let error: HttpErrorBody['error'] | undefined;
    try {
      error = ((await res.json()) as HttpErrorBody).error;
    } catch {
      // Not the API's JSON (a proxy's error page): fall through.
    }
    throw new AuthError(error?.code ?? 'INTERNAL', error?.message ?? `HTTP ${res.status}`);
  }
  const user = async (res: Response): Promise<PublicUser> =>
    ((await res.json()) as AuthResponse).user;

  return {
    /** Who is signed in (null: nobody) and how one may sign in. */
    async session(): Promise<SessionInfo> {
      return (await (await call('GET', 'session')).json()) as SessionInfo;
    },
    signup: async (request: SignupRequest) => user(await call('POST', 'signup', request)),
    login: async (request: LoginRequest) => user(await call('POST', 'login', request)),
    guest: async (request: GuestRequest) => user(await call('POST', 'guest', request)),
    rename: async (request: RenameRequest) => user(await call('PATCH', 'me', request)),
    async logout(): Promise<void> {
      await call('POST', 'logout');
    },
    async logoutAll(): Promise<void> {
      await call('POST', 'logout-all');
    },
    /** Changes the password; the account's other sessions end, this one stays. */
    async changePassword(request: PasswordChangeRequest): Promise<void> {
      await call('POST', 'password', request);
    },
    /** Deletes the signed-in account for good; every session of it ends. */
    async deleteAccount(request: AccountDeleteRequest): Promise<void> {
      await call('POST', 'delete', request);
    },
  };
}

export type AuthApi = ReturnType<typeof createAuthApi>;

/** The member a signed-in user is in the chat. */
export const memberOf = (user: PublicUser): Member =>
  user.guest
    ? { id: user.id, name: user.name, guest: true as const }
    : {
        id: user.id,
        name: user.name,
        ...(user.username === undefined ? {} : { username: user.username }),
      };
