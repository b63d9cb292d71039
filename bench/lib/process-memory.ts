import { readFileSync, writeFileSync } from 'node:fs';

/** A /proc/<pid>/status field in bytes (the kernel writes them in kB). */
function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/**
 * Peak resident memory of a process (worker threads included: they share it) over a span.
 * The kernel's high-water mark (VmHWM) is reset at the start (`5` to /proc/<pid>/clear_refs), so
 * it catches a peak however short; VmRSS is also sampled every `everyMs`, which is what counts
 * where the reset is not allowed.
 */
export function watchPeakRss(pid: number, everyMs = 20) {
  let baseline = Number.NaN;
  let sampledPeak = 0;
  let hwmReset = false;
  let timer: NodeJS.Timeout | undefined;
  const sample = () => {
    sampledPeak = Math.max(sampledPeak, statusBytes(pid, 'VmRSS'));
  };
  return {
    start() {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        hwmReset = true;
      } catch {
        hwmReset = false;
      }
      baseline = statusBytes(pid, 'VmRSS');
      sampledPeak = baseline;
      timer = setInterval(sample, everyMs);
    },
    stop(): { baselineBytes: number; peakBytes: number } {
      clearInterval(timer);
      sample();
      const peak = hwmReset ? Math.max(sampledPeak, statusBytes(pid, 'VmHWM')) : sampledPeak;
      return { baselineBytes: baseline, peakBytes: peak };
    },
  };
}

export const mib = (bytes: number) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(0) : 'n/a');
