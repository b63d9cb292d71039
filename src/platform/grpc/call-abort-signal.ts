import type { ServerUnaryCall } from '@grpc/grpc-js';
import { RequestCancelled } from '../errors/domain-errors.js';

export type UnaryCall = ServerUnaryCall<unknown, unknown>;

const loadSignals = new WeakMap<object, AbortSignal>();

/**
 * The abort reason, made once: grpc-js also reports every call that ended normally as
 * `cancelled` (when its stream closes), and a default reason is a DOMException with a captured
 * stack, about 1% of the hit path's CPU.
 */
const CALLER_GONE = new RequestCancelled();

/**
 * An AbortSignal that fires when the client cancels or its deadline passes (grpc-js reports
 * both as `cancelled`), so the read stops issuing queries for a caller who is gone. When a
 * cache runs the handler as a shared load, it binds the load's own signal instead
 * (`bindLoadSignal`): one caller leaving must not cancel a load others still wait for.
 */
export function callAbortSignal(call: UnaryCall | undefined): AbortSignal | undefined {
  if (!call) return undefined;
  const bound = loadSignals.get(call);
  if (bound) return bound;
  const controller = new AbortController();
  if (call.cancelled) controller.abort(CALLER_GONE);
  else call.once('cancelled', () => controller.abort(CALLER_GONE));
  return controller.signal;
}

export function bindLoadSignal(call: UnaryCall | undefined, signal: AbortSignal) {
  if (call) loadSignals.set(call, signal);
}
