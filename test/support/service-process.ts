import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';

const ROOT = join(__dirname, '../..');

/** Builds dist/ when a source is newer (incremental, quick when nothing changed). */
export function buildIfNeeded() {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  httpUrl: string;
  /** Every JSON log line the process wrote so far. */
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the built service (dist/src/main.js) as a process of its own, ready when /health/ready is 200. */
export async function startServiceProcess(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      PORT: String(port),
      GRPC_PORT: String(await freePort()),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  const ready = await eventually(async () => {
    if (child.exitCode !== null) return true;
    try {
      return (await fetch(`${httpUrl}/health/ready`)).status === 200;
    } catch {
      return false;
    }
  }, 30_000);
  if (!ready || child.exitCode !== null) {
    child.kill('SIGKILL');
    throw new Error(`service process did not become ready (exit ${child.exitCode}): ${stderr}`);
  }
  return {
    child,
    httpUrl,
    logs,
    stop: (signal = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}
