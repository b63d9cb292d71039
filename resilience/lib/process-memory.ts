import { readFileSync } from 'node:fs';
import { type MessageEvent, WebSocket } from 'undici';
import { eventually } from '../../test/support/eventually.js';
import type { Instance } from './stack.js';

export const MIB = 1024 * 1024;

/**
 * NODE_OPTIONS for a stack whose memory is measured after a forced GC: the inspector port is
 * where SIGUSR1 opens it (0: any free port, printed in the process's log).
 */
export const NODE_OPTIONS_WITH_INSPECTOR =
  `${process.env.NODE_OPTIONS ?? ''} --inspect-port=127.0.0.1:0`.trim();

export interface Memory {
  /** Resident set size, bytes. */
  rss: number;
  /** Live V8 heap after the collection, bytes. */
  heapUsed: number;
}

/**
 * Forces full garbage collections in a process and reads its memory, through the inspector that
 * SIGUSR1 opens (on the port `--inspect-port` names; its address is printed in the process's log).
 */
export class CollectedMemory {
  private readonly sockets = new Map<Instance, WebSocket>();
  private nextId = 0;

  async of(instances: Instance[]): Promise<Memory[]> {
    const out: Memory[] = [];
    for (const instance of instances) {
      const socket = await this.socket(instance);
      await this.call(socket, 'HeapProfiler.collectGarbage');
      await this.call(socket, 'HeapProfiler.collectGarbage');
      const usage = (await this.call(socket, 'Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      })) as { result: { value: string } };
      const { heapUsed } = JSON.parse(usage.result.value) as { heapUsed: number };
      out.push({ rss: rssOf(instance), heapUsed });
    }
    return out;
  }

  close() {
    for (const socket of this.sockets.values()) socket.close();
  }

  private async socket(instance: Instance): Promise<WebSocket> {
    const open = this.sockets.get(instance);
    if (open) return open;
    instance.child?.kill('SIGUSR1');
    let url: string | undefined;
    await eventually(
      () => {
        const found = [
          ...readFileSync(instance.logFile, 'utf8').matchAll(/Debugger listening on (ws:\/\/\S+)/g),
        ];
        url = found.at(-1)?.[1];
        return url !== undefined;
      },
      10_000,
      100,
    );
    if (!url) throw new Error(`${instance.name}: the inspector did not open`);
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', resolve, { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    await this.call(socket, 'HeapProfiler.enable');
    this.sockets.set(instance, socket);
    return socket;
  }

  private call(socket: WebSocket, method: string, params: object = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), 30_000);
      const onMessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
        if (message.id !== id) return;
        clearTimeout(timer);
        socket.removeEventListener('message', onMessage);
        resolve(message.result);
      };
      socket.addEventListener('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

/** VmRSS of a process, from /proc (bytes). */
export function rssOf(instance: Instance): number {
  const status = readFileSync(`/proc/${instance.child?.pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return Number(kib ?? Number.NaN) * 1024;
}
