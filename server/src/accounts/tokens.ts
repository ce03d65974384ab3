import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyOptions,
} from 'jose';
import { ErrorCode, type AckFailure, type Member } from '../../../common/contract.js';
import type { Config } from '../config.js';
import { fail } from '../errors.js';
import { checkDisplayName } from './names.js';

/** Who a host application's token names, and until when it holds. */
export interface TokenIdentity {
  member: Member;
  /** The token's `exp`, in ms since the epoch. */
  expiresAt: number;
}

export type TokenVerifier = (token: unknown) => Promise<TokenIdentity | AckFailure>;

export interface TokenVerifierOptions {
  /**
   * After fetching the JWKS, how long no token may make it fetch again, in ms. A token
   * signed with an unknown key (the host rotated its keys) refetches once this has passed.
   */
  jwksCooldownMs?: number;
  /** Clock for `exp` and `nbf`, in ms. Default `Date.now`. */
  now?: () => number;
}

/** User ids a token may not claim: `bot:` marks the push API's authors. */
const RESERVED_SUBJECT = /^bot:/;
const SUBJECT_MAX = 128;

const refused = (message: string): AckFailure => fail(ErrorCode.UNAUTHORIZED, message);

function identityOf(payload: JWTPayload): TokenIdentity | AckFailure {
  const { sub, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > SUBJECT_MAX) {
    return refused('token has no valid sub');
  }
  if (RESERVED_SUBJECT.test(sub)) return refused('token sub may not start with bot:');
  if (typeof exp !== 'number') return refused('token has no exp');
  const name = checkDisplayName(payload.name);
  if (typeof name !== 'string') return refused(`token name: ${name.error.message}`);
  return { member: { id: sub, name }, expiresAt: exp * 1000 };
}

/**
 * Verifies the JWTs a host application signs for its users (`auth.token` of a handshake):
 * HS256 with `AUTH_JWT_SECRET`, or any asymmetric algorithm with a key from `AUTH_JWKS_URL`.
 * Undefined when neither is configured.
 */
export function createTokenVerifier(
  config: Pick<Config, 'jwtSecret' | 'jwksUrl' | 'jwtIssuer' | 'jwtAudience'>,
  options: TokenVerifierOptions = {},
): TokenVerifier | undefined {
  const { jwtSecret, jwksUrl } = config;
  if (jwtSecret === undefined && jwksUrl === undefined) return undefined;
  const now = options.now ?? Date.now;
  const secret = jwtSecret === undefined ? undefined : new TextEncoder().encode(jwtSecret);
  const jwks =
    jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(jwksUrl), {
          cooldownDuration: options.jwksCooldownMs ?? 30_000,
          timeoutDuration: 5000,
        });
  const common = (): JWTVerifyOptions => ({
    requiredClaims: ['exp', 'sub'],
    currentDate: new Date(now()),
    ...(config.jwtIssuer === undefined ? {} : { issuer: config.jwtIssuer }),
    ...(config.jwtAudience === undefined ? {} : { audience: config.jwtAudience }),
  });

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      return refused('auth.token must be a JWT');
    }
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return refused('auth.token is not a JWT');
    }
    try {
      if (alg === 'HS256' && secret) {
        const { payload } = await jwtVerify(token, secret, { ...common(), algorithms: ['HS256'] });
        return identityOf(payload);
      }
      if (alg !== undefined && !alg.startsWith('HS') && alg !== 'none' && jwks) {
        const { payload } = await jwtVerify(token, jwks, common());
        return identityOf(payload);
      }
      return refused(`tokens signed with ${alg ?? 'no algorithm'} are not accepted`);
    } catch (err) {
      return explain(err);
    }
  };
}

/** A reason a person can act on, never the library's internals. */
function explain(err: unknown): AckFailure {
  if (err instanceof errors.JWTExpired) return refused('token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return refused(`token ${err.claim} is not accepted`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return refused('token signature is invalid');
  }
  if (err instanceof errors.JWKSNoMatchingKey)
    return refused('token is signed with an unknown key');
  // The key set could not be fetched (timeout, network, a bad answer): not the token's fault.
  if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
    return fail(ErrorCode.UNAVAILABLE, 'token keys are unavailable; retry shortly');
  }
  if (err instanceof errors.JWKSInvalid) {
    return fail(ErrorCode.UNAVAILABLE, 'token keys are unavailable; retry shortly');
  }
  return refused('token could not be verified');
}
