import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** One line naming the machine the figures came from. */
export function describeMachine(): string {
  const cpu = cpus();
  const mariadb =
    tryVersion('mariadb', ['--version'])?.match(/Distrib ([\d.]+-MariaDB)/)?.[1] ??
    'MariaDB (version unknown)';
  const redis = tryVersion('redis-server', ['--version'])?.match(/v=([\d.]+)/)?.[1];
  return [
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    mariadb,
    redis ? `Redis ${redis}` : 'Redis',
  ].join(', ');
}

function tryVersion(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}
