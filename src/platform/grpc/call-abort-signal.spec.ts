import { EventEmitter } from 'node:events';
import { RequestCancelled } from '../errors/domain-errors.js';
import { bindLoadSignal, callAbortSignal, type UnaryCall } from './call-abort-signal.js';

const fakeCall = (cancelled = false) =>
  Object.assign(new EventEmitter(), { cancelled }) as unknown as UnaryCall;

describe(callAbortSignal.name, () => {
  it('aborts when the client cancels, with RequestCancelled as the reason', () => {
    const call = fakeCall();
    const signal = callAbortSignal(call)!;
    expect(signal.aborted).toBe(false);

    (call as unknown as EventEmitter).emit('cancelled');

    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(RequestCancelled);
  });

  it('is aborted at once for a call already cancelled', () => {
    expect(callAbortSignal(fakeCall(true))!.aborted).toBe(true);
  });

  it("returns a shared load's own signal once one is bound to the call", () => {
    const call = fakeCall();
    const load = new AbortController();
    bindLoadSignal(call, load.signal);

    expect(callAbortSignal(call)).toBe(load.signal);
  });

  it('has no signal without a call (an HTTP caller)', () => {
    expect(callAbortSignal(undefined)).toBeUndefined();
  });
});
