import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface RunningClient<T> {
  /** The JSON the client prints when it ends. */
  result: Promise<T>;
  /** Asks the client to finish now (SIGINT): it stops sending, then prints what it measured. */
  stop(): void;
}

/** Starts one of bench/clients/* as its own process. */
export function startClient<T>(client: string, args: Record<string, string | number>): RunningClient<T> {
  const script = join(import.meta.dirname, '../clients', `${client}.js`);
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  const result = new Promise<T>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${client} exited with ${code}`));
      try {
        resolve(JSON.parse(out) as T);
      } catch (error) {
        reject(error);
      }
    });
  });
  return {
    result,
    stop: () => {
      if (child.exitCode === null) child.kill('SIGINT');
    },
  };
}

/** Runs one of bench/clients/* as its own process and returns the JSON it prints. */
export function runClient<T>(client: string, args: Record<string, string | number>): Promise<T> {
  return startClient<T>(client, args).result;
}
