import { DependencyStateLog } from './dependency-state-log.js';

function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'log'; line: Record<string, unknown> }> = [];
  return {
    lines,
    warn: (line: Record<string, unknown>) => void lines.push({ level: 'warn', line }),
    log: (line: Record<string, unknown>) => void lines.push({ level: 'log', line }),
  };
}

describe(DependencyStateLog.name, () => {
  const messages = { down: 'thing down', back: 'thing back' };

  it('warns once for an outage however many attempts fail, with the first error', () => {
    const logger = recordingLogger();
    const sut = new DependencyStateLog(logger, messages, { connection: 'c' });

    sut.failed(new Error('connect ECONNREFUSED'));
    sut.failed(new Error('connect ECONNREFUSED'));
    sut.failed(new Error('Connection is closed.'));

    expect(logger.lines).toEqual([
      { level: 'warn', line: { msg: 'thing down', connection: 'c', error: 'connect ECONNREFUSED' } },
    ]);
    expect(sut.down).toBe(true);
  });

  it('logs the recovery once, with the outage duration and failed attempts', () => {
    const logger = recordingLogger();
    let now = 1_000;
    const sut = new DependencyStateLog(logger, messages, {}, () => now);
    sut.failed('refused');
    sut.failed('refused');
    now = 4_500;

    sut.succeeded();
    sut.succeeded();

    expect(logger.lines.slice(1)).toEqual([
      { level: 'log', line: { msg: 'thing back', downForMs: 3_500, failedAttempts: 2 } },
    ]);
    expect(sut.down).toBe(false);
  });

  it('logs nothing while the dependency keeps answering', () => {
    const logger = recordingLogger();
    const sut = new DependencyStateLog(logger, messages);

    sut.succeeded();
    sut.succeeded();

    expect(logger.lines).toEqual([]);
  });

  it('warns again for a second outage', () => {
    const logger = recordingLogger();
    const sut = new DependencyStateLog(logger, messages);

    sut.failed('a');
    sut.succeeded();
    sut.failed('b');

    expect(logger.lines.map(({ line }) => [line.msg, line.error])).toEqual([
      ['thing down', 'a'],
      ['thing back', undefined],
      ['thing down', 'b'],
    ]);
  });
});
