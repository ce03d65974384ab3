// Runs the selected scenarios against F, U and T and writes the report files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ACTIONS, type Action } from '../load/mix-stats.js';
import { latencyChart, type Series } from './chart.js';
import { hasTaskset, pinSelf, stopAll } from './processes.js';
import type { Profile } from './profile.js';
import { markdownReport, readmeSummary } from './report.js';
import type { BenchResults, Check } from './results.js';
import {
  s1,
  s2,
  s3,
  s4,
  s5,
  s6,
  startSingle,
  type Cores,
  type S1Result,
  type S2Result,
  type S3Result,
  type S6Result,
} from './scenarios.js';
import type { ServerName } from './targets.js';

export interface BenchOptions {
  profile: Profile;
  /** Scenario names (S1…S6) to run; all when undefined. */
  only: string[] | undefined;
  /** Servers to run S1–S3 against (all three by default; ratios need all three); S6 runs with T. */
  servers?: ServerName[];
  outDir: string;
  built: boolean;
  cores: Cores;
  /**
   * Keep the figures of the scenarios not run from the results.json already in `outDir`, so
   * that one scenario can be measured again without re-running the others.
   */
  update?: boolean;
  /** READMEs whose `<!-- bench -->` … `<!-- /bench -->` block gets the summary of a full run. */
  readme?: string[];
  /** Extra Node options for T's processes (`--cpu-prof` writes a profile per process). */
  nodeArgs?: string[];
  /** A folder for heap snapshots of each S1 server before and after its connections. */
  heapSnapshots?: string;
  /** A folder for everything T's processes print (with `--trace-gc`, their collections). */
  logDir?: string;
  log: (line: string) => void;
}

const SERVERS: ServerName[] = ['F', 'U', 'T'];

function version(pkg: string): string {
  const json = JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')) as {
    version: string;
  };
  return json.version;
}

export async function runBench(
  options: BenchOptions,
): Promise<{ results: BenchResults; files: { json: string; markdown: string; chart: string } }> {
  const { profile, log } = options;
  const wants = (s: string): boolean => !options.only || options.only.includes(s);
  const pinned = options.cores.generator !== undefined && pinSelf(options.cores.generator);
  for (const dir of [options.heapSnapshots, options.logDir]) {
    if (dir !== undefined) mkdirSync(dir, { recursive: true });
  }
  const start = {
    core: pinned ? options.cores.server : undefined,
    built: options.built,
    nodeArgs: options.nodeArgs,
    ...(options.logDir === undefined ? {} : { logDir: options.logDir }),
  };
  const results: BenchResults = {
    profile: profile.name,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      socketIo: version('socket.io'),
      pinned: pinned && hasTaskset,
    },
    errors: {},
    checks: [],
  };
  const previousFile = join(options.outDir, 'results.json');
  if (options.update && existsSync(previousFile)) {
    const previous = JSON.parse(readFileSync(previousFile, 'utf8')) as BenchResults;
    results.carried = {};
    for (const key of ['s1', 's2', 's3', 's4', 's5', 's6'] as const) {
      if (wants(key.toUpperCase()) || previous[key] === undefined) continue;
      Object.assign(results, { [key]: previous[key] });
      results.carried[key.toUpperCase()] = previous.carried?.[key.toUpperCase()] ?? previous.date;
    }
  }
  log(
    `profile ${profile.name}; servers on core ${String(start.core)}, load generator on core ${String(pinned ? options.cores.generator : undefined)}`,
  );

  const each = async <R>(
    name: string,
    run: (server: ServerName) => Promise<R>,
  ): Promise<Record<ServerName, R>> => {
    const out: Partial<Record<ServerName, R>> = {};
    for (const server of options.servers ?? SERVERS) {
      const t0 = performance.now();
      const result = await run(server);
      out[server] = result;
      log(
        `${name} ${server} done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${headline(result)}`,
      );
    }
    return out as Record<ServerName, R>;
  };

  // A scenario that fails is reported as such; the others still run and are written.
  const attempt = async (name: string, run: () => Promise<void>): Promise<void> => {
    if (!wants(name)) return;
    try {
      await run();
    } catch (err) {
      results.errors[name] = (err as Error).message;
      log(`${name} failed: ${(err as Error).message}`);
      // A target that failed while starting has no stop() to call: stop what it left.
      await stopAll();
    }
  };
  await attempt('S1', async () => {
    results.s1 = await each('S1', (s) => s1(startSingle(s, start), profile, options.heapSnapshots));
  });
  await attempt('S2', async () => {
    results.s2 = await each('S2', (s) => s2(startSingle(s, start), profile));
  });
  await attempt('S3', async () => {
    results.s3 = await each('S3', (s) => s3(startSingle(s, start), profile));
  });
  await attempt('S4', async () => {
    results.s4 = await s4(start, profile);
    log('S4 done');
  });
  await attempt('S5', async () => {
    results.s5 = await s5(start, pinned ? options.cores.generator : undefined, profile);
    log('S5 done');
  });
  await attempt('S6', async () => {
    if (options.servers && !options.servers.includes('T')) return;
    const t0 = performance.now();
    results.s6 = await s6(start, profile);
    log(`S6 T done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${headline(results.s6)}`);
  });
  // Ratios need all three servers; a partial run (--servers) reports what needs no ratio.
  const complete = !options.servers || SERVERS.every((s) => options.servers?.includes(s));
  return { results, files: await writeOutputs(results, options, complete) };
}

/** Markdown as the repository's Prettier check expects it (tables padded). */
async function formatted(markdown: string, path: string): Promise<string> {
  const prettier = await import('prettier');
  const config = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(markdown, { ...config, filepath: path });
}

/**
 * Writes results.json and the report and, for a run of all three servers, the chart and the
 * README block. A partial run's report holds only the scenarios that need no F or U (S4–S6).
 */
export async function writeOutputs(
  results: BenchResults,
  options: Pick<BenchOptions, 'outDir' | 'readme'>,
  complete = true,
): Promise<{ json: string; markdown: string; chart: string }> {
  results.checks = checks(complete ? results : partial(results));
  mkdirSync(options.outDir, { recursive: true });
  const files = {
    json: join(options.outDir, 'results.json'),
    markdown: join(options.outDir, 'report.md'),
    chart: join(options.outDir, 'latency.svg'),
  };
  writeFileSync(files.json, JSON.stringify(results, null, 2) + '\n');
  const reported = complete ? results : partial(results);
  writeFileSync(files.markdown, await formatted(markdownReport(reported), files.markdown));
  if (complete) {
    writeFileSync(files.chart, chart(results));
    for (const path of options.readme ?? []) {
      // Links to the report are relative to each README's folder.
      await updateReadme(path, readmeSummary(results, relative(dirname(path), options.outDir)));
    }
  }
  return files;
}

/** The results without the scenarios that compare F, U and T, for a run of some of them. */
function partial(results: BenchResults): BenchResults {
  const { s1: _s1, s2: _s2, s3: _s3, ...rest } = results;
  return rest;
}

async function updateReadme(path: string, summary: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('<!-- bench -->');
  const end = text.indexOf('<!-- /bench -->');
  if (start < 0 || end < start) return;
  const updated = `${text.slice(0, start)}<!-- bench -->\n\n${summary}\n${text.slice(end)}`;
  writeFileSync(path, await formatted(updated, path));
}

/** One line of figures per run, for the console. */
function headline(r: unknown): string {
  const x = r as Partial<S1Result & S2Result & S3Result & S6Result>;
  if (x.mix && x.serverMicrosPerUserSecond !== undefined) {
    const { ack, delivery, total, deliveries } = x.mix;
    return `${x.serverMicrosPerUserSecond} µs/user-second, ack p50/p99 ${ack.p50}/${ack.p99} ms, delivery p50/p99 ${delivery.all.p50}/${delivery.all.p99} ms, ${total.refused} refused, messages ${deliveries.messages.received}/${deliveries.messages.expected}`;
  }
  if (x.heapPerConnection !== undefined && x.connect) {
    return `heap/conn ${(x.heapPerConnection / 1024).toFixed(1)} KB, ${x.connect.perSecond} conn/s`;
  }
  if (x.fixed && x.maxDeliveriesPerSec !== undefined) {
    return `max ${x.maxDeliveriesPerSec}/s, fixed p99 ${x.fixed.latency.p99} ms, ${x.fixed.serverMicrosPerDelivery} µs/delivery`;
  }
  if (x.steps) {
    return x.steps
      .map(
        (s) =>
          `${s.offeredPerSec}/s p99 ${s.latency.p99} ms ack p99 ${s.ack.p99} ms ${s.serverMicrosPerDelivery} µs/delivery`,
      )
      .join('; ');
  }
  return '';
}

const LEGEND: Record<ServerName, string> = {
  F: 'F (ws floor)',
  U: 'U (classic sample)',
  T: 'T (this server)',
};

const COLORS: Record<string, string> = {
  F: '#2a7ab0',
  U: '#d9822b',
  T: '#2f9e44',
  'T via HAProxy': '#8e44ad',
};

function chart(results: BenchResults): string {
  const color = (name: string): string => COLORS[name] ?? '#000';
  const s2: Series[] = [];
  const s3: Series[] = [];
  for (const name of SERVERS) {
    const two = results.s2?.[name];
    if (two) {
      const points = two.steps.map((s) => ({ x: s.deliveredPerSec, y: s.latency.p99 }));
      s2.push({ name: LEGEND[name], color: color(name), points });
    }
    const three = results.s3?.[name];
    if (three) {
      const points = three.steps.map((s) => ({ x: s.offeredPerSec, y: s.latency.p99 }));
      s3.push({ name: LEGEND[name], color: color(name), points });
    }
  }
  const via = results.s5?.steps;
  if (via)
    s2.push({
      name: 'T via HAProxy',
      color: color('T via HAProxy'),
      points: via.map((s) => ({ x: s.step.deliveredPerSec, y: s.proxied.p99 })),
    });
  const acks = results.s3?.T.steps;
  if (acks)
    s3.push({
      name: "T sender's ack",
      color: color('T'),
      dashed: true,
      points: acks.map((s) => ({ x: s.offeredPerSec, y: s.ack.p99 })),
    });
  const run = `${results.profile} run`;
  const mix = results.s6?.mix;
  const bars = mix
    ? [
        { label: 'delivery, chat messages', value: mix.delivery.all.p99, color: color('T') },
        ...ACTIONS.filter((a) => mix.window[a].latency.count > 0).map((a) => ({
          label: `ack, ${a}`,
          value: mix.window[a].latency.p99,
          color: OPENING.includes(a) || a === 'reconnect' ? '#7f8c8d' : '#27ae60',
        })),
      ]
    : [];
  return latencyChart([
    {
      kind: 'lines',
      title: `S2: one room, p99 against load (${run})`,
      xLabel: 'deliveries per second (one room of 1,000 in the full run, one sender)',
      series: s2,
    },
    {
      kind: 'lines',
      title: `S3: rooms of 50, p99 against load (${run})`,
      xLabel: 'messages per second, all rooms together (each to 49 members)',
      series: s3,
    },
    {
      kind: 'bars',
      title: `S6: ${results.s6?.users.toLocaleString('en') ?? ''} users in a chat mix, p99 (${run}; grey: joins, leaves, reconnects, budget 50 ms)`,
      bars,
      budget: S6_BUDGET.deliveryP99Ms,
    },
  ]);
}

const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);

function checks(r: BenchResults): Check[] {
  const out: Check[] = [];
  const add = (
    scenario: string,
    what: string,
    goal: string,
    measured: string,
    met: boolean,
  ): void => {
    out.push({ scenario, what, goal, measured, met });
  };
  if (r.s1) {
    const { U, T } = r.s1;
    const [t, u] = [T.heapPerConnection, U.heapPerConnection];
    add(
      'S1',
      'T heap per idle connection, against U',
      '≤ U',
      `${kb(t)} KB (U ${kb(u)} KB)`,
      t <= u,
    );
    add('S1', 'T heap per idle connection (stretch)', '≤ 8 KB', `${kb(t)} KB`, t <= 8192);
    const [tc, uc] = [T.connect.perSecond, U.connect.perSecond];
    add(
      'S1',
      'T connections/s, each signed in by its session and joined, against U',
      '≥ U',
      `${tc.toLocaleString('en')} (U ${uc.toLocaleString('en')})`,
      tc >= uc,
    );
  }
  if (r.s2) {
    const { U, T } = r.s2;
    add(
      'S2',
      'T max deliveries/s on one core (p99 < 100 ms)',
      '≥ 60,000',
      T.maxDeliveriesPerSec.toLocaleString('en'),
      T.maxDeliveriesPerSec >= 60_000,
    );
    add(
      'S2',
      'T p99 at 50,000 deliveries/s',
      '≤ 20 ms',
      `${T.fixed.latency.p99} ms`,
      T.fixed.latency.p99 <= 20 && T.fixed.lost === 0,
    );
    const x = ratio(T.fixed.serverMicrosPerDelivery, U.fixed.serverMicrosPerDelivery);
    add(
      'S2',
      'T CPU per delivery at 50,000/s, against U',
      '≤ 0.9 × U',
      `${x} × (${T.fixed.serverMicrosPerDelivery} against ${U.fixed.serverMicrosPerDelivery} µs)`,
      x <= 0.9,
    );
  }
  if (r.s3) {
    const at1000 = (name: ServerName) => r.s3?.[name].steps.find((s) => s.offeredPerSec === 1000);
    const [t, u] = [at1000('T'), at1000('U')];
    if (t && u) {
      add(
        'S3',
        'T p99 at 1,000 messages/s, against U',
        '≤ 20 ms and ≤ U',
        `${t.latency.p99} ms (U ${u.latency.p99} ms)`,
        t.latency.p99 <= 20 && t.latency.p99 <= u.latency.p99 && t.lost === 0,
      );
      add(
        'S3',
        'T CPU per delivery at 1,000 messages/s, against U',
        '≤ U',
        `${t.serverMicrosPerDelivery} µs (U ${u.serverMicrosPerDelivery} µs)`,
        t.serverMicrosPerDelivery <= u.serverMicrosPerDelivery,
      );
      add(
        'S3',
        "T sender's ack p50 / p99 at 1,000 messages/s",
        'reported',
        `${t.ack.p50} / ${t.ack.p99} ms`,
        t.ack.count > 0,
      );
    }
  }
  if (r.s4) {
    const { s2: a, s3: b, isolation } = r.s4;
    for (const adapter of ['classic', 'sharded'] as const) {
      const x2 = ratio(a[adapter].serverMicrosPerDelivery, a.single.serverMicrosPerDelivery);
      add(
        'S4',
        `${adapter}: cluster CPU per delivery / one node (S2 load)`,
        '≤ 1.2',
        String(x2),
        x2 <= 1.2,
      );
      const x3 = ratio(b[adapter].serverMicrosPerDelivery, b.single.serverMicrosPerDelivery);
      add(
        'S4',
        `${adapter}: cluster CPU per delivery / one node (S3 load)`,
        '≤ 1.35',
        String(x3),
        x3 <= 1.35,
      );
      const added =
        Math.round(((a[adapter].byGroup?.remote?.p99 ?? 0) - a.single.latency.p99) * 100) / 100;
      const local = a[adapter].byGroup?.local?.p99 ?? 0;
      const within = Math.round(((a[adapter].byGroup?.remote?.p99 ?? 0) - local) * 100) / 100;
      add(
        'S4',
        `${adapter}: cross-node p99 added (S2 load), against one node`,
        '≤ 5 ms',
        `${added} ms (against same-node recipients of the cluster: ${within} ms)`,
        added <= 5,
      );
    }
    const perMsg = (x: { messages: number; nodeBBytesRead: number }): number =>
      x.nodeBBytesRead / Math.max(1, x.messages);
    add(
      'S4',
      'sharded: bytes node B reads per message of rooms local to node A',
      '≈ 0 (classic for contrast)',
      `${perMsg(isolation.sharded).toFixed(1)} B (classic ${perMsg(isolation.classic).toFixed(1)} B)`,
      perMsg(isolation.sharded) < 0.05 * perMsg(isolation.classic),
    );
  }
  if (r.s5) {
    // Reported rather than bounded: what HAProxy costs and adds at a rate the rig sustains.
    const top = r.s5.steps.filter((x) => x.step.passed).at(-1);
    add(
      'S5',
      'HAProxy CPU per delivery and added p50 / p99, at the highest sustained rate',
      'reported',
      top
        ? `${top.haproxyMicrosPerDelivery} µs; +${Math.round((top.proxied.p50 - top.direct.p50) * 100) / 100} / +${Math.round((top.proxied.p99 - top.direct.p99) * 100) / 100} ms at ${top.step.deliveredPerSec.toLocaleString('en')}/s`
        : 'no rate sustained',
      top !== undefined,
    );
  }
  if (r.s6) out.push(...s6Checks(r.s6));
  return out;
}

/** S6's budget (bench/README.md says why each). */
export const S6_BUDGET = {
  /** Server CPU per connected user and second: at 60 % of a core, 3,000 users of this mix. */
  microsPerUserSecond: 200,
  /** Ack p99 of what people do while chatting (sends, typing, edits, reactions, read markers). */
  chatAckP99Ms: 20,
  /** Ack p99 of opening things: joins (a page of history and the member list), leaves, dm:open. */
  openAckP99Ms: 50,
  deliveryP99Ms: 20,
} as const;

const OPENING: readonly Action[] = ['room:join', 'room:join (resumed)', 'room:leave', 'dm:open'];

function s6Checks(s: S6Result): Check[] {
  const { mix } = s;
  const users = `${s.users.toLocaleString('en')} users`;
  const worst = (kinds: Action[]): { kind: Action; p99: number } =>
    kinds
      .map((kind) => ({ kind, p99: mix.window[kind].latency.p99 }))
      .reduce((a, b) => (b.p99 > a.p99 ? b : a), { kind: kinds[0] as Action, p99: 0 });
  const chat = worst(ACTIONS.filter((a) => a !== 'reconnect' && !OPENING.includes(a)));
  const opening = worst([...OPENING]);
  const counted = [mix.deliveries.messages, mix.deliveries.updates, mix.deliveries.replayed];
  const missing = counted.reduce((n, d) => n + Math.max(0, d.expected - d.received), 0);
  const unexpected = counted.reduce((n, d) => n + Math.max(0, d.received - d.expected), 0);
  const b = S6_BUDGET;
  return [
    {
      what: `T server CPU per user-second (${users})`,
      goal: `≤ ${b.microsPerUserSecond} µs`,
      measured: `${s.serverMicrosPerUserSecond} µs`,
      met: s.serverMicrosPerUserSecond <= b.microsPerUserSecond,
    },
    {
      what: 'T ack p99 of chat actions (worst kind)',
      goal: `≤ ${b.chatAckP99Ms} ms`,
      measured: `${chat.p99} ms (${chat.kind}; all actions ${mix.ack.p99} ms)`,
      met: chat.p99 <= b.chatAckP99Ms,
    },
    {
      what: 'T ack p99 of joins, leaves and dm:open (worst kind)',
      goal: `≤ ${b.openAckP99Ms} ms`,
      measured: `${opening.p99} ms (${opening.kind})`,
      met: opening.p99 <= b.openAckP99Ms,
    },
    {
      what: 'T delivery p99 of chat messages',
      goal: `≤ ${b.deliveryP99Ms} ms`,
      measured: `${mix.delivery.all.p99} ms`,
      met: mix.delivery.all.p99 <= b.deliveryP99Ms,
    },
    {
      what: 'messages, changes and replays lost or unexpected; actions refused or unanswered',
      goal: '0',
      measured: `${missing} lost, ${unexpected} unexpected, ${mix.total.refused} refused, ${mix.total.unanswered} unanswered`,
      met:
        missing + unexpected + mix.total.refused + mix.total.unanswered + mix.disorder === 0 &&
        mix.errors.length === 0,
    },
  ].map((c) => ({ scenario: 'S6', ...c }));
}
