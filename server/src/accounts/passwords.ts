import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

const KEY_LENGTH = 32;

const derive = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });

export interface PasswordHasher {
  /** A self-describing hash: `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url). */
  hash(password: string): Promise<string>;
  /** True when `password` matches `stored`; takes as long for a made-up hash. */
  verify(password: string, stored: string | undefined): Promise<boolean>;
}

/**
 * Passwords hashed with scrypt from node:crypto (memory-hard, no native add-on). `cost` is
 * log2 of scrypt's N: 15 (the default) takes about 50 ms and 32 MiB on one core here; tests
 * use less. A stored hash keeps its own parameters, so raising the cost later still verifies
 * old hashes.
 */
export function createPasswordHasher(cost: number): PasswordHasher {
  const params = (log2n: number, r: number, p: number): ScryptOptions => ({
    N: 2 ** log2n,
    r,
    p,
    maxmem: 256 * 2 ** log2n * r,
  });
  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16);
    const key = await derive(password, salt, params(cost, 8, 1));
    return ['scrypt', cost, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  };
  // Verifying against this when the user does not exist keeps the time the same.
  const dummy = hash('not a real password');
  return {
    hash,
    async verify(password, stored) {
      const parts = (stored ?? (await dummy)).split('$');
      const [kind, log2n, r, p, salt, key] = parts;
      if (kind !== 'scrypt' || !log2n || !r || !p || !salt || !key) return false;
      const expected = Buffer.from(key, 'base64url');
      const actual = await derive(
        password,
        Buffer.from(salt, 'base64url'),
        params(Number(log2n), Number(r), Number(p)),
      );
      return stored !== undefined && timingSafeEqual(actual, expected);
    },
  };
}
