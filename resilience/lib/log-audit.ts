import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_CONTENT_MARKERS } from '../../src/tools/uhd-simulator/synthetic-records.js';
import type { Scenario } from './scenario.js';
import { SECRETS } from './stack.js';

/** What must never reach a log line, by kind. The load clients send ICNs and emails with every sign-in. */
const FORBIDDEN: Array<{ kind: string; test: (line: string) => boolean }> = [
  { kind: 'ICN', test: (line) => /\b\d{10}V\d{6}\b/.test(line) },
  { kind: 'email', test: (line) => /[\w.+-]+@[\w-]+\.[a-z]{2,}/i.test(line) },
  {
    kind: 'token',
    test: (line) => SECRETS.some((secret) => line.includes(secret)) || /bearer\s+\S{8,}/i.test(line),
  },
  { kind: 'record content', test: (line) => RECORD_CONTENT_MARKERS.some((marker) => line.includes(marker)) },
];

/**
 * Runs after every other scenario: reads every line every process of the run wrote (standard
 * output and error) and finds no ICN, email, token or health-record content.
 */
export const logAudit: Scenario = {
  id: 'log-audit',
  title: 'Captured logs: no PII, secrets or record content',
  async run({ logDir, findings }) {
    let files = 0;
    let lines = 0;
    const leaks = new Map<string, { count: number; example: string }>();
    for (const name of readdirSync(logDir)) {
      files += 1;
      for (const line of readFileSync(join(logDir, name), 'utf8').split('\n')) {
        if (!line) continue;
        lines += 1;
        for (const { kind, test } of FORBIDDEN) {
          if (!test(line)) continue;
          const leak = leaks.get(kind) ?? { count: 0, example: `${name}: ${line.slice(0, 160)}` };
          leak.count += 1;
          leaks.set(kind, leak);
        }
      }
    }
    findings.check('the suite captured the processes’ logs', lines > 0, `${lines} lines in ${files} files`);
    for (const { kind } of FORBIDDEN) {
      const leak = leaks.get(kind);
      findings.check(
        `no ${kind} in any log line`,
        !leak,
        leak ? `${leak.count} lines, e.g. ${leak.example}` : '0 lines',
      );
    }
  },
};
