import { type LatencySummary, summarize } from './stats.js';

/** What a load client (bench/clients/grpc-load.ts, sign-in-load.ts) prints when it ends. */
export interface LoadResult {
  /** Latency of each answered call, in ms, in the order they started. */
  latencies: number[];
  /** When each answered call started, in ms after originEpochMs. */
  startsMs: number[];
  /** Failed calls, by gRPC status name or HTTP status. */
  errors: Record<string, number>;
  /** When each failed call started, in ms after originEpochMs (gRPC load only). */
  errorStartsMs?: number[];
  /** How long the client ran. */
  seconds: number;
  /** The client's start, as a wall-clock time (to line calls up with faults injected elsewhere). */
  originEpochMs: number;
}

type Results = Pick<LoadResult, 'errors'> | Array<Pick<LoadResult, 'errors'>>;

/** Failed calls in one or more load clients' results. */
export function failedCalls(results: Results): number {
  return [results].flat().reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0);
}

/** Answered calls in one or more load clients' results. */
export function answeredCalls(
  results: Pick<LoadResult, 'latencies'> | Array<Pick<LoadResult, 'latencies'>>,
): number {
  return [results].flat().reduce((n, r) => n + r.latencies.length, 0);
}

/** Latency summary of the answered calls (of every client) that started in [from, to), epoch ms. */
export function startedBetween(results: LoadResult[], from: number, to: number): LatencySummary {
  const latencies = results.flatMap((r) =>
    r.latencies.filter((_, i) => {
      const started = r.originEpochMs + r.startsMs[i];
      return started >= from && started < to;
    }),
  );
  return summarize(latencies, 0, 1);
}
