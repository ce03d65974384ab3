import { describe, expect, it } from 'vitest';
import { ErrorCode, type ErrorCode as Code, type ResultOf } from '../../../common/contract.js';
import { Timers } from '../../../common/timers.js';
import { ManualScheduler } from '../../test/support/manual-scheduler.js';
import { defaultOutboxOptions, Outbox, type OutgoingMessage } from './outbox.js';

type Ack = ResultOf<'message:send'> | undefined;

/** An outbox whose sends the test answers one by one, on a clock the test moves. */
function harness() {
  const clock = new ManualScheduler();
  const sent: { item: OutgoingMessage; answer: (ack: Ack) => void }[] = [];
  const delivered: string[] = [];
  const outbox = new Outbox({
    timers: new Timers(clock),
    options: defaultOutboxOptions,
    send: (item) =>
      new Promise<Ack>((resolve) => {
        sent.push({ item, answer: resolve });
      }),
    canSend: () => true,
    connected: () => true,
    delivered: (item) => {
      delivered.push(item.clientId);
    },
    notInRoom: () => undefined,
    refused: () => undefined,
    changed: () => undefined,
  });
  /** Answers the latest attempt and lets the outbox act on it. */
  const answer = async (ack: Ack) => {
    sent.at(-1)?.answer(ack);
    // The outbox acts on an ack a few microtasks later (its await, then its finally).
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  const refuse = (code: Code) => answer({ ok: false, error: { code, message: 'no' } });
  return { clock, sent, delivered, outbox, answer, refuse };
}

describe('outbox retries', () => {
  it('a message refused UNAVAILABLE is retried quickly and without giving up while the storage fails over', async () => {
    const { clock, sent, delivered, outbox, answer, refuse } = harness();
    const item = outbox.add('general', 'hello');
    const waits: number[] = [];
    // Twenty refusals: four times the attempts a timeout is allowed, still pending.
    for (let i = 0; i < 20; i++) {
      await refuse(ErrorCode.UNAVAILABLE);
      const before = sent.length;
      let waited = 0;
      while (sent.length === before) {
        clock.advance(50);
        waited += 50;
      }
      waits.push(waited);
    }
    expect(waits.slice(0, 4)).toEqual([250, 500, 1000, 1000]);
    expect(Math.max(...waits)).toBe(1000);
    expect(item.status).toBe('pending');
    // Every attempt carries the same clientId: the server stores it once.
    expect(new Set(sent.map((s) => s.item.clientId))).toEqual(new Set([item.clientId]));
    await answer({
      ok: true,
      message: { id: '1-0', room: 'general', author: { id: 'u', name: 'u' }, text: 'hello', ts: 1 },
    });
    expect(delivered).toEqual([item.clientId]);
    expect(outbox.items).toEqual([]);
  });

  it('a message still refused UNAVAILABLE after a minute of retries is marked failed', async () => {
    const { clock, outbox, refuse } = harness();
    const item = outbox.add('general', 'hello');
    for (let i = 0; i < defaultOutboxOptions.maxUnavailable; i++) {
      await refuse(ErrorCode.UNAVAILABLE);
      clock.advance(1000);
    }
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/cannot store messages right now/);
  });

  it('other retryable refusals and missing acks still give up after maxAttempts', async () => {
    const { clock, outbox, answer, refuse } = harness();
    const item = outbox.add('general', 'hello');
    await refuse(ErrorCode.INTERNAL);
    for (let i = 1; i < defaultOutboxOptions.maxAttempts; i++) {
      clock.advance(8000);
      await answer(undefined);
    }
    expect(item.status).toBe('failed');
    expect(item.error).toMatch(/did not confirm/);
  });
});
