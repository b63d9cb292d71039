import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';

const run = promisify(execFile);

interface ClusterNode {
  port: number;
  /** The cluster bus port, chosen free too: port + 10000 (the default) may be taken or above 65535. */
  busPort: number;
  dir: string;
  child: ChildProcess;
}

/**
 * A private Redis Cluster on loopback: `masters` redis-server processes in cluster mode on spare
 * ports, no replicas, nothing kept on disk but each node's nodes.conf in a temporary folder,
 * joined with `redis-cli --cluster create`. `stop()` kills the nodes and removes the folders.
 */
export class PrivateRedisCluster {
  private stopped = false;

  private constructor(private readonly members: ClusterNode[]) {}

  static async start(masters = 3): Promise<PrivateRedisCluster> {
    const members: ClusterNode[] = [];
    const cluster = new PrivateRedisCluster(members);
    try {
      for (let i = 0; i < masters; i++) members.push(await startNode());
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...members.map((m) => `127.0.0.1:${m.port}`),
          '--cluster-replicas',
          '0',
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
      const settled = await eventually(() => cluster.settled(), 20_000, 100);
      if (!settled) throw new Error('the private Redis Cluster did not reach cluster_state:ok');
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** `host:port` of every node, as REDIS_CLUSTER_NODES takes them. */
  get seeds(): string[] {
    return this.members.map((m) => `127.0.0.1:${m.port}`);
  }

  get ports(): number[] {
    return this.members.map((m) => m.port);
  }

  /** A cluster client for the test's own reads and writes (the caller disconnects it). */
  client(): Cluster {
    return new Cluster(
      this.members.map((m) => ({ host: '127.0.0.1', port: m.port })),
      { redisOptions: { maxRetriesPerRequest: 1 } },
    );
  }

  /** A plain client on one node, to see what that master holds (the caller disconnects it). */
  nodeClient(port: number): Redis {
    return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  }

  /** Keys matching `pattern` on each master, by port: where the cluster put them. */
  async keysByNode(pattern: string): Promise<Map<number, string[]>> {
    const found = new Map<number, string[]>();
    for (const port of this.ports) {
      const node = this.nodeClient(port);
      try {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        found.set(port, keys);
      } finally {
        node.disconnect();
      }
    }
    return found;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.members.map(killNode));
    for (const member of this.members) rmSync(member.dir, { recursive: true, force: true });
  }

  /** Every node reports cluster_state:ok and knows every other node. */
  private async settled(): Promise<boolean> {
    for (const { port } of this.members) {
      const info = await command(port, ['cluster', 'info']).catch(() => '');
      if (!info.includes('cluster_state:ok')) return false;
      if (!info.includes(`cluster_known_nodes:${this.members.length}`)) return false;
    }
    return true;
  }
}

async function startNode(): Promise<ClusterNode> {
  const [port, busPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), `redis-cluster-${port}-`));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      '5000',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const member = { port, busPort, dir, child };
  const up = await eventually(
    async () => (await command(port, ['ping']).catch(() => '')) === 'PONG',
    10_000,
    50,
  );
  if (!up) {
    await killNode(member);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`redis-server (cluster mode) on ${port} did not start`);
  }
  return member;
}

function killNode({ child }: ClusterNode): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function command(port: number, args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
    timeout: 5_000,
  });
  return stdout.trim();
}
