import { loadChartData, type Timeline } from './timelines.js';

/**
 * The benchmark report as one self-contained HTML page: the BENCHMARKS.md text (tables and all)
 * and inline SVG charts drawn from the series the scenarios left behind. No script, no external
 * file: it opens anywhere, offline.
 */

const COLORS = { ours: '#1f77b4', peer: '#d62728', cold: '#d62728', warm: '#2ca02c' } as const;
const W = 760;
const H = 300;
const PAD = { left: 64, right: 16, top: 28, bottom: 44 };

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/_([^_]+)_/g, '<em>$1</em>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>');
}

/** The Markdown subset BENCHMARKS.md uses: headings, paragraphs, lists, tables, comments. */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.replace(/<!--[\s\S]*?-->/g, '').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    const heading = /^(#{1,4}) (.*)$/.exec(line);
    if (heading) {
      out.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`);
      i += 1;
    } else if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) {
        rows.push(
          lines[i]
            .slice(1, -1)
            .split('|')
            .map((c) => c.trim()),
        );
        i += 1;
      }
      const [head, , ...body] = rows;
      out.push(
        `<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`,
      );
    } else if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && lines[i].startsWith('- ')) {
        items.push(`<li>${inline(lines[i].slice(2))}</li>`);
        i += 1;
      }
      out.push(`<ul>${items.join('')}</ul>`);
    } else {
      const paragraph: string[] = [];
      while (i < lines.length && lines[i].trim() && !/^(#|\||- )/.test(lines[i])) {
        paragraph.push(lines[i]);
        i += 1;
      }
      out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    }
  }
  return out.join('\n');
}

interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  errorsAt?: number[];
}

const niceLogTicks = (min: number, max: number) => {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
};
const fmt = (v: number) => (v >= 1000 ? `${v / 1000}s` : v >= 1 ? `${v}` : v.toString());

function frame(
  title: string,
  body: string,
  xLabel: string,
  yLabel: string,
  legend: Array<{ name: string; color: string }>,
) {
  const legendItems = legend
    .map(
      (l, k) =>
        `<g transform="translate(${PAD.left + 10 + k * 200},${PAD.top - 12})"><rect width="12" height="12" fill="${l.color}"/><text x="18" y="11">${escapeHtml(l.name)}</text></g>`,
    )
    .join('');
  return `<figure><svg class="chart" data-chart="${escapeHtml(title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>
${body}
<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>
<text transform="translate(14,${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>
${legendItems}
</svg><figcaption>${escapeHtml(title)}</figcaption></figure>`;
}

/** Latency of every request over time (log scale), one colour per server; errors as ticks on the axis. */
export function timelineChart(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const xMax = Math.max(...all.map((p) => p[0]), ...series.flatMap((s) => s.errorsAt ?? [])) || 1;
  const yMin = Math.max(0.1, Math.min(...all.map((p) => p[1])));
  const yMax = Math.max(...all.map((p) => p[1]));
  const ticks = niceLogTicks(yMin, yMax);
  const [lo, hi] = [Math.log10(ticks[0]), Math.log10(ticks.at(-1)!)];
  const x = (v: number) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  const y = (v: number) =>
    H - PAD.bottom - ((Math.log10(Math.max(v, ticks[0])) - lo) / (hi - lo || 1)) * (H - PAD.top - PAD.bottom);
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
    )
    .join('');
  const xTicks = Array.from({ length: 7 }, (_, k) => (xMax * k) / 6)
    .map(
      (t) =>
        `<text x="${x(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${(t / 1000).toFixed(1)}</text>`,
    )
    .join('');
  const dots = series
    .map((s) => {
      // A few thousand points are plenty to see the shape; keep every outlier above the p99.
      const sorted = [...s.points].map((p) => p[1]).sort((a, b) => a - b);
      const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
      const step = Math.max(1, Math.floor(s.points.length / 3_000));
      const kept = s.points.filter((p, k) => k % step === 0 || p[1] >= p99);
      const circles = kept
        .map((p) => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="1.6"/>`)
        .join('');
      const errors = (s.errorsAt ?? [])
        .map(
          (e) =>
            `<line x1="${x(e)}" x2="${x(e)}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 6}" stroke="${s.color}"/>`,
        )
        .join('');
      return `<g class="series" data-series="${escapeHtml(s.name)}" fill="${s.color}" fill-opacity="0.55">${circles}</g>${errors}`;
    })
    .join('');
  const axes = `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`;
  return frame(
    title,
    grid + xTicks + axes + dots,
    'seconds into the run (error ticks under the axis)',
    'latency, ms (log)',
    series,
  );
}

/** One bar per value, labelled, on a linear scale. */
export function barChart(
  title: string,
  bars: Array<{ name: string; value: number; color: string }>,
  yLabel: string,
): string {
  if (bars.length === 0) return '';
  const max = Math.max(...bars.map((b) => b.value), 1);
  const width = (W - PAD.left - PAD.right) / bars.length;
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom - 10);
  const body = bars
    .map((b, k) => {
      const x0 = PAD.left + k * width + width * 0.2;
      return `<rect class="bar" data-value="${b.value}" x="${x0}" y="${y(b.value)}" width="${width * 0.6}" height="${H - PAD.bottom - y(b.value)}" fill="${b.color}"/>
<text x="${x0 + width * 0.3}" y="${y(b.value) - 6}" text-anchor="middle">${b.value.toLocaleString('en-US')}</text>
<text x="${x0 + width * 0.3}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeHtml(b.name)}</text>`;
    })
    .join('');
  const axis = `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>`;
  return frame(title, axis + body, '', yLabel, []);
}

/** Cumulative distributions (share of requests at or under a latency), log x. */
export function distributionChart(
  title: string,
  series: Array<{ name: string; color: string; values: number[] }>,
): string {
  const all = series.flatMap((s) => s.values);
  if (all.length === 0) return '';
  const ticks = niceLogTicks(Math.max(0.1, Math.min(...all)), Math.max(...all));
  const [lo, hi] = [Math.log10(ticks[0]), Math.log10(ticks.at(-1)!)];
  const x = (v: number) =>
    PAD.left + ((Math.log10(Math.max(v, ticks[0])) - lo) / (hi - lo || 1)) * (W - PAD.left - PAD.right);
  const y = (share: number) => H - PAD.bottom - share * (H - PAD.top - PAD.bottom);
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${x(t)}" x2="${x(t)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#ddd"/><text x="${x(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`,
    )
    .join('');
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) => `<text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${t * 100}%</text>`)
    .join('');
  const lines = series
    .map((s) => {
      const sorted = [...s.values].sort((a, b) => a - b);
      const path = sorted
        .map((v, k) => `${k === 0 ? 'M' : 'L'}${x(v).toFixed(1)},${y((k + 1) / sorted.length).toFixed(1)}`)
        .join(' ');
      return `<path class="cdf" data-series="${escapeHtml(s.name)}" d="${path}" fill="none" stroke="${s.color}" stroke-width="2"/>`;
    })
    .join('');
  return frame(title, grid + yTicks + lines, 'latency, ms (log)', 'share of requests', series);
}

const timelinePoints = (t: Timeline): Array<[number, number]> =>
  t.startsMs.map((s, k) => [s, t.latencies[k]]);

/** The charts the issue asks for, from whatever series the last runs left. */
export function reportCharts(): string[] {
  const charts: string[] = [];
  for (const [name, title] of [
    ['ttl-expiry', 'Latency over time across TTL expiries (TTL 3 s, 3,351-contract channel, concurrency 4)'],
    [
      'redis-kill',
      'Latency over time across a Redis kill (killed at 4 s, back at 8 s; Zipf over 50 channels)',
    ],
  ] as const) {
    const ours = loadChartData<Timeline>(`${name}-ours`);
    const peer = loadChartData<Timeline>(`${name}-peer`);
    const series: Series[] = [];
    if (ours)
      series.push({
        name: 'ours',
        color: COLORS.ours,
        points: timelinePoints(ours),
        errorsAt: ours.errorStartsMs,
      });
    if (peer)
      series.push({
        name: 'stock CacheInterceptor',
        color: COLORS.peer,
        points: timelinePoints(peer),
        errorsAt: peer.errorStartsMs,
      });
    if (series.length) charts.push(timelineChart(title, series));
  }
  const burst = loadChartData<{ ours: number; peer: number }>('cold-burst');
  if (burst) {
    charts.push(
      barChart(
        'Database loads during a cold burst of 500 concurrent requests',
        [
          { name: 'ours', value: burst.ours, color: COLORS.ours },
          { name: 'stock CacheInterceptor', value: burst.peer, color: COLORS.peer },
        ],
        'database loads',
      ),
    );
  }
  const reads = loadChartData<{ cold: number[]; warm: number[] }>('health-record-reads');
  if (reads) {
    charts.push(
      distributionChart('Health-record read latency, cold vs warmed (simulator defaults)', [
        { name: 'cold (not warmed)', color: COLORS.cold, values: reads.cold },
        { name: 'warmed', color: COLORS.warm, values: reads.warm },
      ]),
    );
  }
  return charts;
}

export function renderReport(markdown: string, charts: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Benchmarks — rules and precache service</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:1000px;margin:24px auto;padding:0 16px;color:#222}
table{border-collapse:collapse;margin:8px 0 16px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f3f3f3}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}figure{margin:16px 0}figcaption{color:#555;font-size:13px}
svg.chart text{font:11px system-ui,sans-serif;fill:#333}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
</style></head><body>
<h1>Benchmarks</h1>
<section id="charts"><h2>Charts</h2>
${charts.length ? charts.join('\n') : '<p>No chart data yet: run <code>npm run bench</code>.</p>'}
</section>
<section id="tables">
${markdownToHtml(markdown.replace(/^# Benchmarks\s*/, ''))}
</section>
</body></html>
`;
}
