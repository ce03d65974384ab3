// The Markdown report: the targets first, then one table per scenario with T/F and T/U ratios.
import { RATES } from '../load/mix-model.js';
import { ACTIONS } from '../load/mix-stats.js';
import type { BenchResults } from './results.js';
import { profiles } from './profile.js';
import type { S6Result, StepResult } from './scenarios.js';

const n = (v: number): string => Math.round(v).toLocaleString('en');
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const r2 = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '–');

function table(head: string[], rows: string[][]): string {
  return (
    [
      `| ${head.join(' | ')} |`,
      `| ${head.map(() => '---').join(' | ')} |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n') + '\n'
  );
}

function stepRow(label: string, s: StepResult): string[] {
  const server = Object.entries(s.cpu)
    .map(([k, c]) => `${k} ${Math.round(c.cores * 100)}%`)
    .join(', ');
  return [
    label,
    n(s.offeredPerSec * 1) + ' msg/s',
    n(s.deliveredPerSec),
    String(s.latency.p50),
    String(s.latency.p95),
    String(s.latency.p99),
    String(s.latency.max),
    s.ack.count > 0 ? `${s.ack.p50} / ${s.ack.p99}` : '–',
    server,
    String(s.serverMicrosPerDelivery),
    `${s.lost}${s.refused ? ` (+${s.refused} refused)` : ''}`,
    `${Math.round(s.generatorCores * 100)}%`,
    s.passed ? 'yes' : 'no',
  ];
}

const STEP_HEAD = [
  '',
  'offered',
  'delivered/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'ack p50 / p99 ms',
  'CPU (one core = 100%)',
  'CPU µs/delivery',
  'lost',
  'generator CPU',
  'within bounds',
];

export function markdownReport(r: BenchResults): string {
  const out: string[] = [];
  out.push(
    `# Benchmark report (${r.profile} run)\n`,
    `${r.date} · ${r.machine.cores} × ${r.machine.cpu} · Node ${r.machine.node} · socket.io ${r.machine.socketIo} · ` +
      (r.machine.pinned
        ? 'servers pinned to core 0, load generator to core 1 (taskset)'
        : 'no core pinning') +
      '\n',
    'F = minimal `ws` floor, U = classic Socket.IO chat sample with defaults, T = this server as users run it: SQLite on one node (Redis for two), every client signed in by a session of its own, every feature on. ' +
      "Latency is from the sender's timestamp to each receipt on sampled clients (HDR histogram); every delivery on every client is counted. " +
      'CPU is user + system time of each process from /proc. "within bounds": nothing lost, p99 < 100 ms, at least 90 % of the offered deliveries/s delivered.\n',
  );
  for (const [scenario, date] of Object.entries(r.carried ?? {})) {
    out.push(`${scenario} figures are carried over from the run of ${date}.\n`);
  }
  for (const [scenario, reason] of Object.entries(r.errors)) {
    out.push(`**${scenario} did not complete:** ${reason.split('\n')[0] ?? ''}\n`);
  }
  if (r.checks.length > 0) {
    out.push('## Targets\n');
    out.push(
      table(
        ['scenario', 'what', 'goal', 'measured', 'met'],
        r.checks.map((c) => [c.scenario, c.what, c.goal, c.measured, c.met ? 'yes' : '**no**']),
      ),
    );
  }
  if (r.s1) {
    const { F, U, T } = r.s1;
    out.push(`## S1: ${n(T.connect.connected)} idle connections (10 per room)\n`);
    out.push(
      table(
        [
          '',
          'connections/s',
          'connect p50 ms',
          'connect p99 ms',
          'heap/conn KB',
          'RSS/conn KB',
          'heap after MB',
          'idle CPU',
          'failed',
        ],
        [F, U, T].map((s) => [
          s.target,
          n(s.connect.perSecond),
          String(s.connect.latency.p50),
          String(s.connect.latency.p99),
          kb(s.heapPerConnection),
          kb(s.rssPerConnection),
          (s.heapAfter / 2 ** 20).toFixed(1),
          `${(s.idleCores * 100).toFixed(1)}%`,
          String(s.connect.failed),
        ]),
      ),
    );
    out.push(
      `Ratios: heap/conn T/F ${r2(T.heapPerConnection, F.heapPerConnection)}, T/U ${r2(T.heapPerConnection, U.heapPerConnection)}; connections/s T/F ${r2(T.connect.perSecond, F.connect.perSecond)}, T/U ${r2(T.connect.perSecond, U.connect.perSecond)}.\n`,
    );
  }
  if (r.s2) {
    const { F, U, T } = r.s2;
    out.push(`## S2: one room of ${n(profiles[r.profile].s2.members)}, one sender stepping up\n`);
    out.push(
      table(
        [
          '',
          'max deliveries/s within bounds',
          'p50 / p99 / max ms at the fixed rate',
          'CPU µs/delivery at the fixed rate',
          'lost',
          'generator saturated',
        ],
        [F, U, T].map((s) => [
          s.target,
          n(s.maxDeliveriesPerSec),
          `${s.fixed.latency.p50} / ${s.fixed.latency.p99} / ${s.fixed.latency.max}`,
          String(s.fixed.serverMicrosPerDelivery),
          String(s.fixed.lost + s.steps.reduce((x, st) => x + st.lost, 0)),
          F === s && s.generatorSaturated
            ? 'yes (F bounded by the generator)'
            : s.generatorSaturated
              ? 'yes'
              : 'no',
        ]),
      ),
    );
    out.push(
      `Ratios: max deliveries/s T/F ${r2(T.maxDeliveriesPerSec, F.maxDeliveriesPerSec)}, T/U ${r2(T.maxDeliveriesPerSec, U.maxDeliveriesPerSec)}; CPU per delivery T/F ${r2(T.fixed.serverMicrosPerDelivery, F.fixed.serverMicrosPerDelivery)}, T/U ${r2(T.fixed.serverMicrosPerDelivery, U.fixed.serverMicrosPerDelivery)}.\n`,
    );
    out.push('![p99 latency against load](latency.svg)\n');
    for (const s of [F, U, T]) {
      out.push(`### S2 steps: ${s.target}\n`);
      out.push(
        table(STEP_HEAD, [
          stepRow('fixed', s.fixed),
          ...s.steps.map((st, i) => stepRow(`step ${i + 1}`, st)),
        ]),
      );
    }
  }
  if (r.s3) {
    const { F, U, T } = r.s3;
    const { rooms, members } = profiles[r.profile].s3;
    out.push(`## S3: ${rooms} rooms of ${members}\n`);
    out.push(
      table(
        STEP_HEAD,
        [F, U, T].flatMap((s) => s.steps.map((st) => stepRow(s.target, st))),
      ),
    );
    const ratios = T.steps.map((st, i) => {
      const f = F.steps[i];
      const u = U.steps[i];
      return `${n(st.offeredPerSec)} msg/s: CPU/delivery T/F ${r2(st.serverMicrosPerDelivery, f?.serverMicrosPerDelivery ?? 0)}, T/U ${r2(st.serverMicrosPerDelivery, u?.serverMicrosPerDelivery ?? 0)}`;
    });
    out.push(`Ratios: ${ratios.join('; ')}.\n`);
  }
  if (r.s4) {
    const { s2, s3, isolation } = r.s4;
    out.push('## S4: two nodes through Redis against one node\n');
    out.push(
      "Recipients split evenly between node A and node B; in S2 the sender is on node A, so node B's recipients are the cross-node ones. All server processes (nodes and redis-server) share core 0.\n",
    );
    const row = (label: string, base: StepResult, s: StepResult): string[] => [
      label,
      n(s.deliveredPerSec),
      String(s.serverMicrosPerDelivery),
      r2(s.serverMicrosPerDelivery, base.serverMicrosPerDelivery),
      s.cpu.redis ? `${Math.round(s.cpu.redis.cores * 100)}%` : '–',
      Object.entries(s.byGroup ?? {})
        .map(([g, l]) => `${g} ${l.p50}/${l.p99}`)
        .join(', '),
      String(s.lost),
    ];
    const head = [
      '',
      'delivered/s',
      'CPU µs/delivery (all processes)',
      '× one node',
      'redis CPU',
      'p50/p99 ms by node',
      'lost',
    ];
    out.push(
      '### S2 load\n',
      table(head, [
        row('one node', s2.single, s2.single),
        row('classic', s2.single, s2.classic),
        row('sharded', s2.single, s2.sharded),
      ]),
    );
    out.push(
      '### S3 load\n',
      table(head, [
        row('one node', s3.single, s3.single),
        row('classic', s3.single, s3.classic),
        row('sharded', s3.single, s3.sharded),
      ]),
    );
    out.push('### Rooms local to node A: what node B receives\n');
    out.push(
      table(
        ['adapter', 'messages', 'bytes node B read', 'per message', 'node B CPU ms'],
        (['classic', 'sharded'] as const).map((a) => [
          a,
          n(isolation[a].messages),
          n(isolation[a].nodeBBytesRead),
          (isolation[a].nodeBBytesRead / Math.max(1, isolation[a].messages)).toFixed(1),
          (isolation[a].nodeBCpuMicros / 1000).toFixed(0),
        ]),
      ),
    );
  }
  if (r.s5) {
    const { s1, steps } = r.s5;
    out.push("## S5: through HAProxy (TLS, the deployment's haproxy.cfg)\n");
    const direct1 = r.s1?.T;
    out.push(
      table(
        ['', 'connections/s', 'connect p99 ms', 'heap/conn KB (node)'],
        [
          ...(direct1
            ? [
                [
                  'T direct',
                  n(direct1.connect.perSecond),
                  String(direct1.connect.latency.p99),
                  (direct1.heapPerConnection / 1024).toFixed(1),
                ],
              ]
            : []),
          [
            'T via HAProxy',
            n(s1.connect.perSecond),
            String(s1.connect.latency.p99),
            (s1.heapPerConnection / 1024).toFixed(1),
          ],
        ],
      ),
    );
    out.push(
      'One room, half its members connected directly and half through HAProxy, one direct sender, at fixed rates: both halves get the same messages at the same moment, so the difference is what HAProxy adds. HAProxy shares core 1 with the load generator, which also terminates TLS for the proxied half.\n',
    );
    out.push(
      table(
        [
          'delivered/s',
          'through HAProxy/s',
          'direct p50 / p99 ms',
          'proxied p50 / p99 ms',
          'added p50 / p99 ms',
          'HAProxy µs/delivery',
          'node µs/delivery',
          'HAProxy CPU',
          'generator CPU',
          'within bounds',
        ],
        steps.map((x) => [
          n(x.step.deliveredPerSec),
          n(x.proxiedPerSec),
          `${x.direct.p50} / ${x.direct.p99}`,
          `${x.proxied.p50} / ${x.proxied.p99}`,
          `${round2(x.proxied.p50 - x.direct.p50)} / ${round2(x.proxied.p99 - x.direct.p99)}`,
          String(x.haproxyMicrosPerDelivery),
          String(x.nodeMicrosPerDelivery),
          `${Math.round(x.haproxyCores * 100)}%`,
          `${Math.round(x.generatorCores * 100)}%`,
          x.step.passed ? 'yes' : 'no',
        ]),
      ),
    );
    const third = thirdCore(r);
    if (third) out.push(`${third}\n`);
  }
  if (r.s6) out.push(s6Section(r.s6, r.profile));
  return out.join('\n');
}

const perMinute = (perSecond: number): string => `${Number((perSecond * 60).toFixed(2))}/min`;

function s6Section(s: S6Result, profile: BenchResults['profile']): string {
  const { mix } = s;
  const { layout, speed, warmupSeconds } = profiles[profile].s6;
  const ms = (l: { p50: number; p99: number }): string => `${l.p50} / ${l.p99}`;
  const out: string[] = [
    `## S6: ${n(s.users)} signed-in users in a realistic chat mix, one node\n`,
    `Rooms: ${mix.rooms.large} large (${layout.largeRooms.join(', ')} members), ` +
      `${n(mix.rooms.small)} small (${layout.smallRoomSize.join('–')} members, ${layout.smallRoomsPerUser} a user), ` +
      `${n(mix.rooms.direct)} direct conversations (${layout.directPerUser} a user before the clock, more opened during it). ` +
      `Per user${speed === 1 ? '' : ` (sped up ×${speed})`}: ` +
      Object.entries(RATES)
        .map(([activity, rate]) => `${activity} ${perMinute(rate)}`)
        .join(', ') +
      `. Measured over ${s.seconds} s after ${warmupSeconds} s of warm-up; setup (sign-in, connect, joins) took ${s.setupSeconds} s. ` +
      "T keeps its data in SQLite, as users run it, with its production rate limits. Ack latency is from the sender's emit to its ack; delivery latency from the send time in the text to its receipt, on every client.\n",
  ];
  out.push(
    table(
      [
        '',
        'server CPU µs/user-second',
        'server CPU',
        'ack p50 / p99 ms',
        'delivery p50 / p99 ms',
        'large rooms',
        'small rooms',
        'direct',
        'generator CPU',
      ],
      [
        [
          s.target,
          String(s.serverMicrosPerUserSecond),
          `${Math.round((s.cpu.T?.cores ?? 0) * 100)}%`,
          ms(mix.ack),
          ms(mix.delivery.all),
          ms(mix.delivery.large),
          ms(mix.delivery.small),
          ms(mix.delivery.direct),
          `${Math.round(s.generatorCores * 100)}%`,
        ],
      ],
    ),
  );
  const { runQueueMs, diskWaitMs, generatorRunQueueMs, generatorLagMs } = s.stalls;
  out.push(
    `Over the window the server waited ${runQueueMs} ms for its core while ready to run (held by another process or another of its threads) ` +
      `and was seen ${diskWaitMs} ms in disk wait (sampled every 10 ms); the load generator waited ${generatorRunQueueMs} ms for its core, and its event loop was at most ${generatorLagMs} ms late. ` +
      'Long tail latencies that come with long waits here were made by the machine, not by the server.\n',
  );
  out.push('### S6 actions in the window\n');
  out.push(
    table(
      ['action', 'sent', 'per second', 'acked', 'refused', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      ACTIONS.map((action) => {
        const a = mix.window[action];
        return [
          action,
          n(a.sent),
          (a.sent / s.seconds).toFixed(1),
          n(a.acked),
          String(a.refused),
          String(a.latency.p50),
          String(a.latency.p95),
          String(a.latency.p99),
          String(a.latency.max),
        ];
      }),
    ),
  );
  out.push(
    '`reconnect` is timed from the TCP connect to the Socket.IO handshake; its rooms are then rejoined with `since` (`room:join (resumed)`).\n',
  );
  const { messages, updates, typings, replayed } = mix.deliveries;
  out.push('### S6 deliveries over the whole run\n');
  out.push(
    table(
      ['', 'expected', 'received'],
      [
        ['chat messages, live', n(messages.expected), n(messages.received)],
        ['changes (edits, reactions), live', n(updates.expected), n(updates.received)],
        [
          'messages missed while away, replayed on rejoin',
          n(replayed.expected),
          n(replayed.received),
        ],
        ['typing notices (volatile: may be dropped)', n(typings.expected), n(typings.received)],
      ],
    ),
  );
  const skipped = Object.entries(mix.skipped)
    .map(([a, k]) => `${a} ${k}`)
    .join(', ');
  out.push(
    `Whole run: ${n(mix.total.sent)} actions, ${n(mix.total.acked)} acked, ${mix.total.refused} refused${mix.total.lastRefusal ? ` (last: ${mix.total.lastRefusal})` : ''}, ${mix.total.unanswered} unanswered; ` +
      `${mix.disorder} receipts out of order. ` +
      `${n(mix.held.count)} of ${n(mix.held.of)} deliveries in the window waited for a membership change of their room (p99 ${mix.held.p99Ms} ms, max ${mix.held.maxMs} ms): the generator keeps the two apart to know each delivery's recipients.` +
      (skipped ? ` Due but with nothing to act on: ${skipped}.` : '') +
      (mix.errors.length > 0 ? ` **Errors:** ${mix.errors.slice(0, 3).join('; ')}.` : '') +
      '\n',
  );
  return out.join('\n');
}

/** The few lines the README shows: one row per server, then the targets. */
export function readmeSummary(r: BenchResults, resultsDir = 'results'): string {
  const out: string[] = [
    `Latest full run: ${r.date.slice(0, 10)}, ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}, socket.io ${r.machine.socketIo}. Full report: [${resultsDir}/report.md](${resultsDir}/report.md).\n`,
  ];
  if (r.s1 && r.s2 && r.s3) {
    const { s1, s2, s3 } = r;
    const at1000 = (name: 'F' | 'U' | 'T') => s3[name].steps.find((x) => x.offeredPerSec === 1000);
    out.push(
      table(
        [
          '',
          'S1 heap/idle conn',
          'S1 connections/s',
          'S2 max deliveries/s',
          'S2 CPU µs/delivery',
          'S2 p99 at 50k/s',
          'S3 p99 at 1,000 msg/s',
          'S3 CPU µs/delivery',
          'S3 ack p50 / p99',
        ],
        (['F', 'U', 'T'] as const).map((name) => {
          const st = at1000(name);
          return [
            name,
            `${kb(s1[name].heapPerConnection)} KB`,
            n(s1[name].connect.perSecond),
            n(s2[name].maxDeliveriesPerSec),
            String(s2[name].fixed.serverMicrosPerDelivery),
            `${s2[name].fixed.latency.p99} ms`,
            st ? `${st.latency.p99} ms` : '–',
            st ? String(st.serverMicrosPerDelivery) : '–',
            st && st.ack.count > 0 ? `${st.ack.p50} / ${st.ack.p99} ms` : '–',
          ];
        }),
      ),
    );
  }
  if (r.checks.length > 0) {
    out.push(
      table(
        ['scenario', 'target', 'goal', 'measured', 'met'],
        r.checks.map((c) => [c.scenario, c.what, c.goal, c.measured, c.met ? 'yes' : '**no**']),
      ),
    );
  }
  return out.join('\n');
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/**
 * What a core of HAProxy's own would change, from the figures: the rate at which HAProxy would
 * fill that core, set against the node's own ceiling (S2's highest rate within bounds).
 */
function thirdCore(r: BenchResults): string | undefined {
  const sustained = (r.s5?.steps ?? []).filter((x) => x.step.passed).at(-1);
  if (!sustained || sustained.haproxyMicrosPerDelivery <= 0) return undefined;
  const haproxyCeiling = Math.round(1e6 / sustained.haproxyMicrosPerDelivery);
  const node = r.s2?.T.maxDeliveriesPerSec;
  const bound =
    node === undefined
      ? ''
      : haproxyCeiling > node
        ? ` The node's own ceiling (S2: ${n(node)}/s) is lower, so with a third core the proxied path would be bound by the node, not by HAProxy.`
        : ` That is below the node's own ceiling (S2: ${n(node)}/s): even on a core of its own, HAProxy would bound the proxied path.`;
  return `A third core: at ${sustained.haproxyMicrosPerDelivery} µs per delivery, HAProxy alone on a core would carry about ${n(haproxyCeiling)} deliveries/s (TLS included).${bound} On this rig it shares core 1 with the load generator, so the rates above stop where that core fills (${Math.round((sustained.haproxyCores + sustained.generatorCores) * 100)}% at the highest sustained step).`;
}
