import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** Runs one of bench/clients/* as its own process and returns the JSON it prints. */
export function runClient<T>(client: string, args: Record<string, string | number>): Promise<T> {
  const script = join(import.meta.dirname, '../clients', `${client}.js`);
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
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
}
