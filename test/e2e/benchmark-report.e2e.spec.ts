import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { barChart, distributionChart, renderReport, timelineChart } from '../../bench/lib/html-report.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags the machine's probe uses: no sandbox as root, no GPU, no calls home on a closed network.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromium(dir: string, args: string[]): string {
  return execFileSync(CHROMIUM, [...FLAGS, `--user-data-dir=${join(dir, 'profile')}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
  });
}

/** The benchmark report as people see it: rendered by a real browser, charts and all. */
describe('benchmark HTML report in headless Chromium', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders every chart with its data, and the tables', () => {
    const times = Array.from({ length: 400 }, (_, k) => k * 30);
    const charts = [
      timelineChart('Latency across a TTL expiry', [
        { name: 'ours', color: '#1f77b4', points: times.map((t) => [t, 1 + (t % 7)]) },
        {
          name: 'peer',
          color: '#d62728',
          points: times.map((t) => [t, 50 + (t % 300)]),
          errorsAt: [4_000, 4_100],
        },
      ]),
      barChart(
        'Database loads during a cold burst',
        [
          { name: 'ours', value: 1, color: '#1f77b4' },
          { name: 'peer', value: 500, color: '#d62728' },
        ],
        'loads',
      ),
      distributionChart('Cold vs warm reads', [
        { name: 'cold', color: '#d62728', values: [1800, 2000, 2100, 2400] },
        { name: 'warm', color: '#2ca02c', values: [45, 50, 52, 61] },
      ]),
    ];
    const file = join(dir, 'report.html');
    writeFileSync(
      file,
      renderReport('# Benchmarks\n\n## A section\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n', charts),
    );

    const dom = chromium(dir, ['--dump-dom', `file://${file}`]);
    expect(dom.match(/<svg class="chart"/g)).toHaveLength(3);
    expect((dom.match(/<circle /g) ?? []).length).toBeGreaterThanOrEqual(800);
    expect(dom.match(/<rect class="bar" data-value="500"/g)).toHaveLength(1);
    expect(dom.match(/<path class="cdf"/g)).toHaveLength(2);
    expect(dom).toContain('<td>2</td>');

    const png = join(dir, 'report.png');
    chromium(dir, ['--window-size=1100,1600', `--screenshot=${png}`, `file://${file}`]);
    const image = readFileSync(png);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(png).size).toBeGreaterThan(20_000); // charts drawn: a blank page compresses to a few KB
  }, 120_000);

  it('renders the committed BENCHMARKS.html with its charts', () => {
    const dom = chromium(dir, ['--dump-dom', `file://${join(__dirname, '../../BENCHMARKS.html')}`]);
    // TTL expiry and Redis kill (ours vs the stock peer), the cold burst, cold vs warm health-record reads.
    expect((dom.match(/<svg class="chart"/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(dom).toContain('Tiered rules cache');
    expect(dom).toContain('Sign-in pre-cache');
  }, 120_000);
});
