import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine } from '../bench/lib/machine.js';
import { writeSection } from '../bench/lib/report.js';
import { logAudit } from './lib/log-audit.js';
import { resilienceTable } from './lib/report.js';
import { Findings, type Profile, type ProfileName, type Scenario } from './lib/scenario.js';
import { ROOT } from './lib/stack.js';
import { SCENARIOS } from './scenarios/index.js';

/**
 * `npm run test:resilience [-- --profile short|full] [--only id,id] [--seed N]`: runs the
 * fault, load and hostile-input scenarios against the service as real processes, prints a
 * table of what must hold and what was measured, and exits 1 if anything did not hold.
 * `--profile full` also rewrites RESILIENCE.md.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'short' },
      only: { type: 'string' },
      seed: { type: 'string', default: '20261202' },
    },
  });
  if (values.profile !== 'short' && values.profile !== 'full')
    throw new Error(`--profile must be short or full, not ${values.profile}`);
  const profile: Profile = { name: values.profile as ProfileName, seed: Number(values.seed) };
  const selected: Scenario[] = values.only
    ? values.only.split(',').map((id) => {
        const scenario = SCENARIOS.find((s) => s.id === id);
        if (!scenario)
          throw new Error(`unknown scenario ${id}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
        return scenario;
      })
    : SCENARIOS;

  const logDir = join(ROOT, 'reports/resilience/logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const machine = describeMachine();
  console.log(`resilience: profile ${profile.name}, seed ${profile.seed}, ${machine}`);

  const results: Array<{ scenario: Scenario; findings: Findings; seconds: number }> = [];
  for (const scenario of [...selected, logAudit]) {
    const findings = new Findings();
    const started = Date.now();
    const log = (line: string) => process.stderr.write(`  ${scenario.id}: ${line}\n`);
    log('start');
    try {
      await scenario.run({ profile, logDir, findings, log });
    } catch (error) {
      findings.check(
        'the scenario runs to the end',
        false,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
    }
    const seconds = Math.round((Date.now() - started) / 1000);
    results.push({ scenario, findings, seconds });
    log(`${findings.ok ? 'held' : 'FAILED'} in ${seconds} s`);
  }

  const table = resilienceTable(results);
  console.log(`\n${table}`);
  writeFileSync(
    join(ROOT, 'reports/resilience/summary.json'),
    JSON.stringify(
      {
        profile,
        machine,
        results: results.map((r) => ({
          id: r.scenario.id,
          seconds: r.seconds,
          checks: r.findings.checks,
          figures: r.findings.figures,
        })),
      },
      null,
      2,
    ),
  );
  // Each scenario keeps its own section of RESILIENCE.md, so a partial full run (`--only`)
  // refreshes its scenarios' figures and leaves the others'.
  if (profile.name === 'full')
    for (const result of results)
      writeSection(
        join(ROOT, 'RESILIENCE.md'),
        `resilience-${result.scenario.id}`,
        `### ${result.scenario.title}\n\nFull profile, seed ${profile.seed}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${machine}.\n\n${resilienceTable([result])}`,
      );
  const failed = results.filter((r) => !r.findings.ok);
  if (failed.length > 0) {
    console.error(
      `\nresilience: ${failed.length} scenario(s) did not hold: ${failed.map((r) => r.scenario.id).join(', ')}`,
    );
    process.exit(1);
  }
  console.log('\nresilience: every scenario held');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
