import { table } from '../../bench/lib/report.js';
import type { Findings, Scenario } from './scenario.js';

/** One row per check: scenario, what must hold, what was measured, held or not; then the figures. */
export function resilienceTable(results: Array<{ scenario: Scenario; findings: Findings; seconds: number }>) {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 400);
  const checks = table(
    ['Scenario', 'What must hold', 'Measured', 'Held'],
    results.flatMap(({ scenario, findings, seconds }) =>
      findings.checks.map((check, i) => [
        i === 0 ? `${scenario.title} (${seconds} s)` : '',
        cell(check.must),
        cell(check.measured),
        check.ok ? 'yes' : '**NO**',
      ]),
    ),
  );
  const figureRows = results.flatMap(({ scenario, findings }) =>
    findings.figures.map((f, i) => [i === 0 ? scenario.title : '', cell(f.name), cell(f.value)]),
  );
  return figureRows.length === 0
    ? checks
    : `${checks}\n\n${table(['Scenario', 'Figure', 'Value'], figureRows)}`;
}
