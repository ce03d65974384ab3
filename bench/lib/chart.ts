// The README's chart, drawn as a plain SVG so that it renders on any Markdown viewer: panels
// stacked top to bottom, each either p99 latency against load (one line per server) or one
// bar per measured latency against a budget. Latency is on a log scale from 0.1 ms to 1 s.

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number }[];
  /** Drawn dashed (for instance an ack latency beside the delivery latency). */
  dashed?: boolean;
}

export interface LinePanel {
  kind: 'lines';
  title: string;
  xLabel: string;
  series: Series[];
}

export interface BarPanel {
  kind: 'bars';
  title: string;
  bars: { label: string; value: number; color: string }[];
  /** A budget line, in ms. */
  budget?: number;
}

export type Panel = LinePanel | BarPanel;

const W = 760;
const H = 400;
const M = { left: 70, right: 170, top: 40, bottom: 60 };
const Y_MIN = 0.1;
const Y_MAX = 1000;
const TICKS = [0.1, 1, 10, 100, 1000];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Position of a latency on the log scale, 0 at Y_MIN and 1 at Y_MAX. */
const logPos = (ms: number): number => {
  const v = Math.min(Y_MAX, Math.max(Y_MIN, ms));
  return (Math.log10(v) - Math.log10(Y_MIN)) / (Math.log10(Y_MAX) - Math.log10(Y_MIN));
};

const heading = (title: string, top: number): string =>
  `<text x="${W / 2}" y="${top + 22}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`;

function linePanel(p: LinePanel, top: number): string[] {
  const xs = p.series.flatMap((s) => s.points.map((pt) => pt.x));
  const xMax = niceCeil(Math.max(1, ...xs));
  const bottom = top + H - M.bottom;
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number): number => bottom - logPos(y) * (H - M.top - M.bottom);
  const out: string[] = [heading(p.title, top)];
  for (const y of TICKS) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${M.left - 8}" y="${py(y) + 4}" text-anchor="end">${y} ms</text>`,
    );
  }
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${py(100)}" y2="${py(100)}" stroke="#c00" stroke-dasharray="4 4"/>`,
    `<text x="${W - M.right - 4}" y="${py(100) - 5}" text-anchor="end" fill="#c00">100 ms bound</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const x = (xMax * i) / 5;
    const label = xMax >= 10_000 ? `${Math.round(x / 1000)}k` : String(Math.round(x));
    out.push(
      `<line x1="${px(x)}" x2="${px(x)}" y1="${top + M.top}" y2="${bottom}" stroke="#eee"/>`,
      `<text x="${px(x)}" y="${bottom + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${top + H - 18}" text-anchor="middle">${esc(p.xLabel)}</text>`,
    `<text transform="translate(18 ${top + (M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">p99 latency (log scale)</text>`,
    `<rect x="${M.left}" y="${top + M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
  );
  p.series.forEach((s, i) => {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.map((pt) => `${px(pt.x).toFixed(1)},${py(pt.y).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const pt of s.points) {
      out.push(
        `<circle cx="${px(pt.x).toFixed(1)}" cy="${py(pt.y).toFixed(1)}" r="3" fill="${s.color}"/>`,
      );
    }
    const ly = top + M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 12}" x2="${W - M.right + 32}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${W - M.right + 38}" y="${ly + 4}">${esc(s.name)}</text>`,
    );
  });
  return out;
}

function barPanel(p: BarPanel, top: number): string[] {
  const left = 200;
  const right = W - 60;
  const px = (ms: number): number => left + logPos(ms) * (right - left);
  const rowH = Math.min(28, (H - M.top - M.bottom) / Math.max(1, p.bars.length));
  const y0 = top + M.top;
  const bottom = y0 + rowH * p.bars.length;
  const out: string[] = [heading(p.title, top)];
  for (const t of TICKS) {
    out.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${y0}" y2="${bottom}" stroke="#ddd"/>`,
      `<text x="${px(t)}" y="${bottom + 16}" text-anchor="middle">${t} ms</text>`,
    );
  }
  p.bars.forEach((b, i) => {
    const y = y0 + i * rowH;
    out.push(
      `<rect x="${left}" y="${(y + 4).toFixed(1)}" width="${Math.max(1, px(b.value) - left).toFixed(1)}" height="${(rowH - 8).toFixed(1)}" fill="${b.color}"/>`,
      `<text x="${left - 8}" y="${(y + rowH / 2 + 4).toFixed(1)}" text-anchor="end">${esc(b.label)}</text>`,
      `<text x="${(px(b.value) + 6).toFixed(1)}" y="${(y + rowH / 2 + 4).toFixed(1)}">${b.value} ms</text>`,
    );
  });
  if (p.budget !== undefined) {
    out.push(
      `<line x1="${px(p.budget)}" x2="${px(p.budget)}" y1="${y0 - 6}" y2="${bottom}" stroke="#c00" stroke-dasharray="4 4"/>`,
      `<text x="${px(p.budget) + 4}" y="${y0 - 8}" fill="#c00">budget ${p.budget} ms</text>`,
    );
  }
  out.push(
    `<text x="${(left + right) / 2}" y="${bottom + 36}" text-anchor="middle">p99 latency (log scale)</text>`,
  );
  return out;
}

/** One SVG with the panels stacked; a panel without data is left out. */
export function latencyChart(panels: Panel[]): string {
  const shown = panels.filter((p) =>
    p.kind === 'lines' ? p.series.some((s) => s.points.length > 0) : p.bars.length > 0,
  );
  const height = H * Math.max(1, shown.length);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
  ];
  shown.forEach((p, i) => {
    out.push(...(p.kind === 'lines' ? linePanel(p, i * H) : barPanel(p, i * H)));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
