import { expect, test } from 'vitest';
import { Timers } from '../../common/timers.js';
import { ManualScheduler } from './support/manual-scheduler.js';

// `afterRunning` is the liveness check's wait: time this side spent frozen must not count as
// the other side's silence.

test('afterRunning fires once its time has run, not before', () => {
  const clock = new ManualScheduler();
  const timers = new Timers(clock);
  let fired = 0;
  timers.afterRunning(5000, () => fired++);
  clock.advance(4999);
  expect(fired).toBe(0);
  clock.advance(1);
  expect(fired).toBe(1);
  clock.advance(60_000);
  expect(fired).toBe(1);
  expect(timers.size).toBe(0);
});

test('a freeze counts as one step of afterRunning, however long it lasts', () => {
  const clock = new ManualScheduler();
  const timers = new Timers(clock);
  let fired = 0;
  timers.afterRunning(5000, () => fired++);
  clock.advance(500);
  // Frozen for a minute: a plain 5 s timer would be over the moment the freeze ends.
  clock.freeze(60_000);
  clock.advance(0);
  expect(fired).toBe(0);
  // What is left is four steps of 1 s once running again.
  clock.advance(3999);
  expect(fired).toBe(0);
  clock.advance(1);
  expect(fired).toBe(1);

  const plain = new Timers(clock);
  let plainFired = 0;
  plain.after(5000, () => plainFired++);
  clock.freeze(60_000);
  clock.advance(0);
  expect(plainFired).toBe(1);
});

test('a cancelled afterRunning never fires and holds no timer', () => {
  const clock = new ManualScheduler();
  const timers = new Timers(clock);
  let fired = 0;
  const wait = timers.afterRunning(5000, () => fired++);
  clock.advance(2500);
  expect(timers.size).toBe(2); // the wait, and its current step
  wait.cancel();
  expect(timers.size).toBe(0);
  clock.advance(60_000);
  expect(fired).toBe(0);
});

test('clear() stops an afterRunning with the rest', () => {
  const clock = new ManualScheduler();
  const timers = new Timers(clock);
  let fired = 0;
  timers.afterRunning(5000, () => fired++);
  clock.advance(1500);
  timers.clear();
  clock.advance(60_000);
  expect(fired).toBe(0);
  expect(timers.size).toBe(0);
});
