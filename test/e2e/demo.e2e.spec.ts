import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** `npm run demo` as a newcomer runs it: it must end by itself, clean, with its KPI summary. */
describe('npm run demo (end to end)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.mjs')], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  }, 180_000);

  it('walks through the mission and reports the seeds’ KPIs', async () => {
    const output = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/demo/run-demo.js'), '--json'], { cwd: ROOT });
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk.toString();
      });
      child.on('exit', (code) => resolve({ code, stdout }));
    });

    expect(output.code).toBe(0);
    for (const heading of [
      '200 web sign-ins',
      'Health-record reads',
      'over gRPC',
      'instance B serves the new name',
      'flushes',
      'Summary',
    ]) {
      expect(output.stdout).toContain(heading);
    }
    const line = output.stdout.split('\n').find((l) => l.startsWith('DEMO_SUMMARY '));
    const summary = JSON.parse(line!.slice('DEMO_SUMMARY '.length)) as Record<string, number | string>;
    expect(summary.redis).toBe('reachable');
    expect(summary.signInsAnswered).toBe(200);
    expect(summary.jobsEnqueued).toBeGreaterThan(10);
    expect(summary.jobsDeduplicated).toBeGreaterThan(0);
    expect(summary.skippedFlagOff).toBeGreaterThan(summary.jobsEnqueued as number);
    expect(summary.skippedNotVaPatient).toBeGreaterThan(0);
    expect(summary.cacheHitRate).toBeGreaterThan(0.8);
    expect(summary.databaseQueryReduction).toBeGreaterThan(0.8);
    expect(summary.precacheJobSuccessRate).toBeGreaterThanOrEqual(0.95);
    expect(summary.pageLoadSpeedup).toBeGreaterThan(5);
    expect(output.stdout).toMatch(/B after [\d.]+ ms: "Renamed by the replicator/);
  }, 150_000);
});
