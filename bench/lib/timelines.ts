import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where scenarios leave the raw series the HTML report draws (not committed; BENCHMARKS.html is). */
export const CHART_DATA_DIR = join(import.meta.dirname, '../../../reports/chart-data');

export interface Timeline {
  startsMs: number[];
  latencies: number[];
  errorStartsMs: number[];
}

export function saveChartData(name: string, data: unknown) {
  mkdirSync(CHART_DATA_DIR, { recursive: true });
  writeFileSync(join(CHART_DATA_DIR, `${name}.json`), JSON.stringify(data));
}

export function loadChartData<T>(name: string): T | undefined {
  const file = join(CHART_DATA_DIR, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

/** Keeps a run's per-request timeline (start offset, latency, errors) for the HTML report. */
export function saveTimeline(
  name: string,
  result: { startsMs: number[]; latencies: number[]; errorStartsMs?: number[] },
) {
  const timeline: Timeline = {
    startsMs: result.startsMs,
    latencies: result.latencies,
    errorStartsMs: result.errorStartsMs ?? [],
  };
  saveChartData(name, timeline);
}
