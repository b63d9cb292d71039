import { EventEmitter } from 'node:events';
import { isConnectionError, logConnectionStateChanges } from './connection-state.js';

/** A BullMQ queue or worker as far as its events go: its own `error`s and its backend's `ready`. */
function fakeBullmq() {
  const backend = new EventEmitter();
  const target = Object.assign(new EventEmitter(), { getBackend: () => backend });
  return { target, backend };
}

function recordingLogger() {
  const lines: Array<[string, Record<string, unknown>]> = [];
  return {
    lines,
    warn: (line: Record<string, unknown>) => void lines.push(['warn', line]),
    log: (line: Record<string, unknown>) => void lines.push(['log', line]),
  };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
const messages = { down: 'lost Redis', back: 'reconnected', otherError: 'queue error' };

describe(logConnectionStateChanges.name, () => {
  it('logs the first connection error of an outage and the recovery, not each reconnect attempt', () => {
    const { target, backend } = fakeBullmq();
    const logger = recordingLogger();
    logConnectionStateChanges(target, logger, messages, { queue: 'q' });

    for (let attempt = 0; attempt < 10; attempt++) target.emit('error', refused());
    backend.emit('ready');
    backend.emit('ready'); // a worker's second connection

    expect(logger.lines.map(([level, line]) => [level, line.msg, line.queue])).toEqual([
      ['warn', 'lost Redis', 'q'],
      ['log', 'reconnected', 'q'],
    ]);
  });

  it('logs every error that is not about the connection, outage or not', () => {
    const { target } = fakeBullmq();
    const logger = recordingLogger();
    logConnectionStateChanges(target, logger, messages);

    target.emit('error', new Error('Missing lock for job 1'));
    target.emit('error', refused());
    target.emit('error', new Error('Missing lock for job 2'));

    expect(logger.lines.map(([, line]) => [line.msg, line.error])).toEqual([
      ['queue error', 'Missing lock for job 1'],
      ['lost Redis', 'connect ECONNREFUSED 127.0.0.1:6379'],
      ['queue error', 'Missing lock for job 2'],
    ]);
  });
});

describe(isConnectionError.name, () => {
  it.each([
    ['a refused connection', refused()],
    ['a reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a closed connection', new Error('Connection is closed.')],
    [
      'a command without a connection',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['a handshake on a Redis that does not answer', new Error('Command timed out')],
  ])('counts %s', (_label, error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each([
    ['a script error', new Error('ERR Error running script')],
    ['a lost job lock', new Error('Missing lock for job 7. moveToFinished')],
  ])('does not count %s', (_label, error) => {
    expect(isConnectionError(error)).toBe(false);
  });
});
