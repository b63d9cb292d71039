import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ServiceProcess {
  httpUrl: string;
  grpcAddress: string;
  child: ChildProcess;
  /** JSON log lines kept by `keepLogLine` (none unless asked for). */
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServiceOptions {
  readyTimeoutMs?: number;
  /** Keeps the standard-output log lines it returns true for (set LOG_LEVEL low enough to get them). */
  keepLogLine?: (line: Record<string, unknown>) => boolean;
}

const ROOT = join(import.meta.dirname, '../../..');

/** Starts a built script (relative to the repository root) as its own process. */
export function spawnNode(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
  keepLogLine?: (line: Record<string, unknown>) => boolean,
) {
  const child = spawn(process.execPath, [join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', keepLogLine ? 'pipe' : 'ignore', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  if (keepLogLine) {
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (keepLogLine(parsed)) logs.push(parsed);
      }
    });
  }
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { child, stop, logs, stderr: () => stderr };
}

/** Polls `probe` until it resolves true, failing if the process dies or time runs out. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr()}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} not ready within ${timeoutMs} ms: ${stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the built service (dist/src/main.js) and waits until /health/ready says 200. */
export async function startService(
  env: Record<string, string>,
  options: number | ServiceOptions = {},
): Promise<ServiceProcess> {
  const { readyTimeoutMs = 60_000, keepLogLine } =
    typeof options === 'number' ? { readyTimeoutMs: options } : options;
  const { child, stop, logs, stderr } = spawnNode('dist/src/main.js', env, [], keepLogLine);
  const httpUrl = `http://127.0.0.1:${env.PORT}`;
  await waitUntil(
    'service',
    async () => (await fetch(`${httpUrl}/health/ready`)).status === 200,
    child,
    stderr,
    readyTimeoutMs,
  );
  return { httpUrl, grpcAddress: `127.0.0.1:${env.GRPC_PORT}`, child, logs, stop };
}
