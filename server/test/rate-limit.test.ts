import { expect, test } from 'vitest';
import { createStrikeCounter, createTokenBucket } from '../src/limits/rate-limit.js';

test('token bucket allows a burst, then the sustained rate', () => {
  let now = 0;
  const bucket = createTokenBucket(5, 10, () => now);
  const burst = Array.from({ length: 12 }, () => bucket.take());
  expect(burst.filter(Boolean)).toHaveLength(10);
  now += 1000;
  const second = Array.from({ length: 8 }, () => bucket.take());
  expect(second.filter(Boolean)).toHaveLength(5);
  now += 200;
  expect(bucket.take()).toBe(true);
  expect(bucket.take()).toBe(false);
});

test('token bucket never holds more than its burst', () => {
  let now = 0;
  const bucket = createTokenBucket(100, 3, () => now);
  now += 60_000;
  expect(Array.from({ length: 5 }, () => bucket.take()).filter(Boolean)).toHaveLength(3);
});

test('strike counter trips on the limit within the window only', () => {
  let now = 0;
  const strikes = createStrikeCounter(3, 1000, () => now);
  expect(strikes.strike()).toBe(false);
  now += 600;
  expect(strikes.strike()).toBe(false);
  now += 600; // the first strike has left the window
  expect(strikes.strike()).toBe(false);
  now += 100;
  expect(strikes.strike()).toBe(true);
});
