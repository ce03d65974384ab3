// The bench rig at toy size, for correctness only: every scenario runs against real servers
// (F, U, T, a Redis-backed pair, HAProxy, T in a chat mix), every delivery is accounted for,
// and the report is written. No figure from this run is asserted: timing belongs to
// `npm run bench`.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runBench } from './lib/bench.js';
import type { BenchResults } from './lib/results.js';
import { profiles } from './lib/profile.js';
import type { S6Result, StepResult } from './lib/scenarios.js';
import { ACTIONS } from './load/mix-stats.js';

function expectComplete(step: StepResult, what: string): void {
  expect(step.sent, what).toBeGreaterThan(0);
  expect(step.expectedDeliveries, what).toBeGreaterThan(0);
  expect(step.deliveries, what).toBe(step.expectedDeliveries);
  expect({ lost: step.lost, refused: step.refused, unacked: step.unacked }, what).toEqual({
    lost: 0,
    refused: 0,
    unacked: 0,
  });
  expect({ disorder: step.disorder, gaps: step.gaps }, what).toEqual({ disorder: 0, gaps: 0 });
  expect(step.latency.count, what).toBeGreaterThan(0);
}

/** Every kind of action happened and was acked, and everything sent reached whom it should. */
function expectMixComplete(s6: S6Result): void {
  const { mix } = s6;
  for (const action of ACTIONS) {
    const run = mix.run[action];
    expect(run.sent, action).toBeGreaterThan(0);
    expect({ acked: run.acked, refused: run.refused }, action).toEqual({
      acked: run.sent,
      refused: 0,
    });
  }
  expect(mix.total).toMatchObject({ refused: 0, unanswered: 0 });
  expect(mix.errors).toEqual([]);
  const { messages, updates, replayed, typings } = mix.deliveries;
  for (const [what, d] of Object.entries({ messages, updates })) {
    expect(d.expected, what).toBeGreaterThan(0);
    expect(d.received, what).toBe(d.expected);
  }
  // Whether a room of a user saw a message during its few milliseconds away is chance here.
  expect(replayed.received).toBe(replayed.expected);
  // Typing notices are volatile: the server may drop one for a busy connection.
  expect(typings.received).toBeGreaterThan(0);
  expect(typings.received).toBeLessThanOrEqual(typings.expected);
  expect(mix.disorder).toBe(0);
  expect(mix.delivery.all.count).toBeGreaterThan(0);
}

test('the bench runs every scenario, counts every delivery and writes its report', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const { results, files } = await runBench({
    profile: profiles.tiny,
    only: undefined,
    outDir,
    built: false,
    // The test runner's own process must not be pinned to a core.
    cores: { server: undefined, generator: undefined },
    log: () => undefined,
  });

  expect(results.errors).toEqual({});
  const tiny = profiles.tiny;
  for (const server of ['F', 'U', 'T'] as const) {
    const idle = results.s1?.[server];
    expect(idle?.connect.connected, `S1 ${server}`).toBe(tiny.s1.connections);
    expect(idle?.heapAfter, `S1 ${server}`).toBeGreaterThan(0);
    const s2 = results.s2?.[server];
    if (!s2) throw new Error(`no S2 result for ${server}`);
    expectComplete(s2.fixed, `S2 ${server} fixed`);
    expect(s2.steps.length).toBeGreaterThan(0);
    for (const step of s2.steps) expectComplete(step, `S2 ${server}`);
    const s3 = results.s3?.[server];
    expect(s3?.steps).toHaveLength(tiny.s3.rates.length);
    for (const step of s3?.steps ?? []) expectComplete(step, `S3 ${server}`);
  }

  const s4 = results.s4;
  if (!s4) throw new Error('no S4 result');
  for (const load of [s4.s2, s4.s3]) {
    for (const run of [load.single, load.classic, load.sharded]) expectComplete(run, 'S4');
  }
  // Both nodes had sampled recipients, so cross-node latency was measured.
  expect(s4.s2.classic.byGroup?.remote?.count).toBeGreaterThan(0);
  expect(s4.isolation.sharded.messages).toBeGreaterThan(0);

  const s5 = results.s5;
  expect(s5?.s1.connect.connected).toBe(tiny.s5.connections);
  if (!s5) throw new Error('no S5 result');
  expect(s5.steps).toHaveLength(tiny.s5.rates.length);
  for (const x of s5.steps) {
    expectComplete(x.step, 'S5');
    // Both halves of the room were sampled: the direct one and the one through HAProxy.
    expect(x.direct.count, 'S5 direct').toBeGreaterThan(0);
    expect(x.proxied.count, 'S5 proxied').toBeGreaterThan(0);
    expect(x.proxiedPerSec, 'S5 through HAProxy').toBeGreaterThan(0);
  }

  const s6 = results.s6;
  if (!s6) throw new Error('no S6 result');
  expect(s6.users).toBe(tiny.s6.users);
  expectMixComplete(s6);

  const json = JSON.parse(readFileSync(files.json, 'utf8')) as BenchResults;
  // (S3's target is stated at 1,000 messages/s, a rate the tiny run does not reach.)
  expect(json.checks.map((c) => c.scenario)).toEqual(
    expect.arrayContaining(['S1', 'S2', 'S4', 'S5', 'S6']),
  );
  // Counting is no timing: S6's check that nothing was lost or refused holds at any size.
  const accounted = json.checks.find((c) => c.scenario === 'S6' && c.what.includes('lost'));
  expect(accounted?.met).toBe(true);
  const report = readFileSync(files.markdown, 'utf8');
  for (const heading of ['## Targets', '## S1', '## S2', '## S3', '## S4', '## S5', '## S6']) {
    expect(report).toContain(heading);
  }
  expect(readFileSync(files.chart, 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
}, 240_000);
