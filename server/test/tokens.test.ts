import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { afterEach, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { createTokenVerifier } from '../src/accounts/tokens.js';
import { connect, createClient, joinOk, sendOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

const SECRET = 'a-host-application-secret-of-32+chars';
const key = new TextEncoder().encode(SECRET);
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

function hs256(claims: JWTPayload, secret: Uint8Array = key) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
}

const refusal = (message: RegExp) => ({
  ok: false,
  error: { code: ErrorCode.UNAUTHORIZED, message: expect.stringMatching(message) as string },
});

describe('HS256 tokens (AUTH_JWT_SECRET)', () => {
  const verify = createTokenVerifier({
    jwtSecret: SECRET,
    jwksUrl: undefined,
    jwtIssuer: 'https://app.example.com',
    jwtAudience: 'chat',
  });
  if (!verify) throw new Error('no verifier');
  const valid = { sub: 'u-1', name: 'Hana', iss: 'https://app.example.com', aud: 'chat' };

  test('a valid token names its user; its exp is when it ends', async () => {
    const exp = inAnHour();
    expect(await verify(await hs256({ ...valid, exp }))).toEqual({
      member: { id: 'u-1', name: 'Hana' },
      expiresAt: exp * 1000,
    });
  });

  test.each<[string, JWTPayload, RegExp]>([
    ['expired', { ...valid, exp: Math.floor(Date.now() / 1000) - 10 }, /expired/],
    ['without exp', valid, /exp/],
    ['for another audience', { ...valid, aud: 'billing', exp: inAnHour() }, /aud/],
    ['from another issuer', { ...valid, iss: 'https://evil.example', exp: inAnHour() }, /iss/],
    ['without sub', { name: 'Hana', iss: valid.iss, aud: 'chat', exp: inAnHour() }, /sub/],
    ['claiming a bot id', { ...valid, sub: 'bot:deploy', exp: inAnHour() }, /bot:/],
    ['with an invisible name', { ...valid, name: '\u200b', exp: inAnHour() }, /name/],
  ])('a token %s is refused', async (_label, claims, message) => {
    expect(await verify(await hs256(claims))).toEqual(refusal(message));
  });

  test('a wrong signature, alg none and garbage are refused', async () => {
    const forged = await hs256(
      { ...valid, exp: inAnHour() },
      new TextEncoder().encode('x'.repeat(40)),
    );
    expect(await verify(forged)).toEqual(refusal(/signature/));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ ...valid, exp: inAnHour() }),
    ).toString('base64url')}.`;
    expect(await verify(none)).toEqual(refusal(/not accepted/));
    expect(await verify('not.a.jwt')).toEqual(refusal(/JWT/));
    expect(await verify(42)).toEqual(refusal(/JWT/));
  });

  test('a handshake with a valid token connects as that user; a bad one gets UNAUTHORIZED', async () => {
    const { url } = await startTestServer({ jwtSecret: SECRET });
    const token = await hs256({ sub: 'u-7', name: 'Hana', exp: inAnHour() });
    const socket = await connect(url, { auth: { token }, transports: ['polling'] });
    await joinOk(socket, 'general');
    expect((await sendOk(socket, 'general', 'hi')).author).toEqual({ id: 'u-7', name: 'Hana' });
    const expired = await hs256({ sub: 'u-7', name: 'Hana', exp: 1 });
    const refused = createClient(url, { auth: { token: expired } });
    const err = await waitFor<Error & { data?: { code?: string } }>(refused, 'connect_error');
    expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
    expect(err.message).toBe('token has expired');
  });

  test('a server without AUTH_JWT_SECRET or AUTH_JWKS_URL refuses every token', async () => {
    const { url } = await startTestServer();
    const token = await hs256({ sub: 'u-7', name: 'Hana', exp: inAnHour() });
    const err = await waitFor<Error & { data?: { code?: string } }>(
      createClient(url, { auth: { token } }),
      'connect_error',
    );
    expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
  });
});

/** A host application's key set, served over HTTP as its login service would. */
async function jwksServer() {
  let keys: JWK[] = [];
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    publish: (next: JWK[]) => {
      keys = next;
    },
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}

async function signer(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const sign = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
  return { jwk, sign };
}

describe('tokens signed with published keys (AUTH_JWKS_URL)', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
  });

  test('a key rotation: tokens of the new key are accepted, of the retired one refused', async () => {
    const jwks = await jwksServer();
    stop = jwks.close;
    const old = await signer('2026-01');
    const next = await signer('2026-02');
    jwks.publish([old.jwk]);
    const verify = createTokenVerifier(
      { jwtSecret: undefined, jwksUrl: jwks.url, jwtIssuer: undefined, jwtAudience: undefined },
      { jwksCooldownMs: 0 },
    );
    if (!verify) throw new Error('no verifier');
    const claims = { sub: 'u-9', name: 'Ines', exp: inAnHour() };
    expect(await verify(await old.sign(claims))).toMatchObject({ member: { id: 'u-9' } });

    // The host rotates: the new key is published and the old one withdrawn.
    jwks.publish([next.jwk]);
    expect(await verify(await next.sign(claims))).toMatchObject({ member: { id: 'u-9' } });
    expect(await verify(await old.sign(claims))).toEqual(refusal(/unknown key/));
    // An HS256 token is not accepted against published keys.
    expect(await verify(await hs256(claims))).toEqual(refusal(/not accepted/));
    expect(jwks.fetches()).toBeGreaterThanOrEqual(2);
  });

  test('a handshake with a token of a published key connects', async () => {
    const jwks = await jwksServer();
    stop = jwks.close;
    const host = await signer('k1');
    jwks.publish([host.jwk]);
    const { url } = await startTestServer({ jwksUrl: jwks.url });
    const token = await host.sign({ sub: 'u-3', name: 'Ida', exp: inAnHour() });
    const socket = await connect(url, { auth: { token } });
    expect((await joinOk(socket, 'general')).self).toEqual({ id: 'u-3', name: 'Ida' });
  });

  test('keys that cannot be fetched make the handshake UNAVAILABLE, not UNAUTHORIZED', async () => {
    const jwks = await jwksServer();
    const url = jwks.url;
    await jwks.close();
    const verify = createTokenVerifier({
      jwtSecret: undefined,
      jwksUrl: url,
      jwtIssuer: undefined,
      jwtAudience: undefined,
    });
    if (!verify) throw new Error('no verifier');
    const host = await signer('k1');
    const result = await verify(await host.sign({ sub: 'u', name: 'U', exp: inAnHour() }));
    expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
  });
});
