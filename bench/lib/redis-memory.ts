import { Redis } from 'ioredis';

/** Samples Redis's `used_memory` until stopped; reports the baseline and the peak seen. */
export function watchRedisMemory(
  url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  everyMs = 200,
) {
  const redis = new Redis(url);
  const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
  let baseline = 0;
  let peak = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    async start() {
      baseline = await usedMemory();
      peak = baseline;
      timer = setInterval(() => {
        void usedMemory().then((bytes) => {
          peak = Math.max(peak, bytes);
        });
      }, everyMs);
    },
    async stop(): Promise<{ baselineBytes: number; peakBytes: number }> {
      clearInterval(timer);
      peak = Math.max(peak, await usedMemory());
      redis.disconnect();
      return { baselineBytes: baseline, peakBytes: peak };
    },
  };
}

/** Deletes the keys a benchmark run left under its prefixes. */
export async function deleteByPrefix(
  patterns: string[],
  url = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
) {
  const redis = new Redis(url);
  try {
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
