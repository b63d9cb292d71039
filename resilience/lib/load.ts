import { runClient } from '../../bench/lib/child-json.js';
import type { LoadResult } from '../../bench/lib/load-result.js';
import type { Instance } from './stack.js';

/**
 * One gRPC load client process per api instance (bench/clients/grpc-load.ts), all at once;
 * `args` are the client's own (channels, rate, seconds, deadlineMs, …).
 */
export function grpcLoadOnEach(
  apis: Instance[],
  args: Record<string, string | number>,
): Promise<LoadResult[]> {
  return Promise.all(
    apis.map((api) => runClient<LoadResult>('grpc-load', { address: api.grpcAddress, ...args })),
  );
}
