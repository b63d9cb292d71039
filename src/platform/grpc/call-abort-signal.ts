import type { ServerUnaryCall } from '@grpc/grpc-js';

export type UnaryCall = ServerUnaryCall<unknown, unknown>;

/**
 * An AbortSignal that fires when the client cancels or its deadline passes (grpc-js reports
 * both as `cancelled`), so the read stops issuing queries for a caller who is gone.
 */
export function callAbortSignal(call: UnaryCall | undefined): AbortSignal | undefined {
  if (!call) return undefined;
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}
