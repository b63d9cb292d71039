import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TIMELINE_DIR = join(import.meta.dirname, '../../../reports/timelines');

/** Keeps a run's per-request timeline (start offset, latency, errors) for the HTML report. */
export function saveTimeline(
  name: string,
  result: { startsMs: number[]; latencies: number[]; errorStartsMs?: number[] },
) {
  mkdirSync(TIMELINE_DIR, { recursive: true });
  writeFileSync(
    join(TIMELINE_DIR, `${name}.json`),
    JSON.stringify({
      startsMs: result.startsMs,
      latencies: result.latencies,
      errorStartsMs: result.errorStartsMs ?? [],
    }),
  );
}
