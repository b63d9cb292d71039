import { SEEDED_CHANNELS } from '../../src/infrastructure/database/seed/replica-generator.js';
import { waitForGrpc } from './raw-grpc.js';
import { spawnNode } from './service-process.js';

// The peers the service is measured against, each its own process (bench/peers/*): the stock
// CacheInterceptor server, and two floors that answer every call with the same pre-encoded bytes.

/** How reports name the stock peer: its store set-up is the NestJS docs' multi-store example. */
export const STOCK_PEER = 'stock CacheInterceptor (docs: memory + Redis stores)';
/** One sentence for a report section that measures the stock peer. */
export const STOCK_PEER_SETUP =
  "The stock peer (`bench/peers/stock-cache-server.ts`) is @nestjs/cache-manager's CacheInterceptor on the same RulesService, registered as the NestJS caching docs' multi-store example: an in-memory `CacheableMemory` LRU store in front of Redis through `@keyv/redis`; no coalescing, no stale-while-revalidate.";

/** Starts the stock CacheInterceptor peer on env's GRPC_PORT, once it answers OK. */
export async function startStockPeer(env: Record<string, string>) {
  const peer = spawnNode('dist/bench/peers/stock-cache-server.js', env);
  await waitForGrpc(`127.0.0.1:${env.GRPC_PORT}`, SEEDED_CHANNELS.small);
  return { grpcAddress: `127.0.0.1:${env.GRPC_PORT}`, stop: peer.stop };
}

export type FloorPeer = 'bare-grpc-server' | 'bare-nest-grpc-server';

/** Starts a floor peer answering with the bytes in `payloadFile`, once it answers OK. */
export async function startFloorPeer(peer: FloorPeer, port: number, payloadFile: string, channelId: string) {
  const server = spawnNode(`dist/bench/peers/${peer}.js`, {}, [
    '--port',
    String(port),
    '--payload',
    payloadFile,
  ]);
  await waitForGrpc(`127.0.0.1:${port}`, channelId);
  return { grpcAddress: `127.0.0.1:${port}`, stop: server.stop };
}
