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

/** Starts the built service (dist/src/main.js) as its own process and waits until it is ready. */
export async function startService(
  env: Record<string, string>,
  options: number | ServiceOptions = {},
): Promise<ServiceProcess> {
  const { readyTimeoutMs = 60_000, keepLogLine } =
    typeof options === 'number' ? { readyTimeoutMs: options } : options;
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
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
    stderr += chunk.toString();
  });
  const httpUrl = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
    try {
      const response = await fetch(`${httpUrl}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service not ready within ${readyTimeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    httpUrl,
    grpcAddress: `127.0.0.1:${env.GRPC_PORT}`,
    child,
    logs,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
