import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type {
  SimulatorFaults,
  SimulatorLatency,
  SimulatorStats,
} from '../../src/tools/uhd-simulator/uhd-simulator.js';
import { freePort } from '../../test/support/ports.js';

const ROOT = join(import.meta.dirname, '../../..');

export interface SimulatorProcess {
  url: string;
  child: ChildProcess;
  stats(): Promise<SimulatorStats>;
  reset(): Promise<void>;
  setLatency(latency: Partial<SimulatorLatency>): Promise<void>;
  setFaults(faults: Partial<SimulatorFaults>): Promise<void>;
  stop(): Promise<void>;
}

/** `npm run uhd:sim` as its own process on a free port (it competes for the same cores, as it would). */
export async function startSimulatorProcess(
  args: Record<string, string | number> = {},
): Promise<SimulatorProcess> {
  const port = await freePort();
  const argv = Object.entries({ port, 'record-limit': 0, ...args }).flatMap(([k, v]) => [
    `--${k}`,
    String(v),
  ]);
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/tools/uhd-simulator/main.js'), ...argv], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/_sim/stats`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('UHD simulator did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`simulator ${method} ${path} answered ${response.status}`);
    return response.json();
  };
  return {
    url,
    child,
    stats: () => admin('GET', '/_sim/stats') as Promise<SimulatorStats>,
    reset: async () => void (await admin('POST', '/_sim/reset')),
    setLatency: async (latency) => void (await admin('PUT', '/_sim/latency', latency)),
    setFaults: async (faults) => void (await admin('PUT', '/_sim/faults', faults)),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
