import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReport, reportCharts } from './lib/html-report.js';
import { describeMachine } from './lib/machine.js';
import { writeSection } from './lib/report.js';
import { precacheScenario } from './scenarios/precache.js';
import { replicatorScenario } from './scenarios/replicator.js';
import { rulesCacheScenario } from './scenarios/rules-cache.js';
import { rulesCacheEngineScenario } from './scenarios/rules-cache-engine.js';
import { rulesHitFloorScenario } from './scenarios/rules-hit-floor.js';
import { rulesReadScenario } from './scenarios/rules-read.js';

/**
 * `npm run bench [-- --only id,id]`: runs the scenarios, prints each section, rewrites those
 * sections of BENCHMARKS.md, and renders BENCHMARKS.html (the same text with charts).
 */
const SCENARIOS: Record<string, () => Promise<string>> = {
  'rules-read': rulesReadScenario,
  'rules-cache': rulesCacheScenario,
  'rules-cache-engine': rulesCacheEngineScenario,
  'rules-hit-floor': rulesHitFloorScenario,
  replicator: replicatorScenario,
  precache: precacheScenario,
};

const REPORT = join(import.meta.dirname, '../../BENCHMARKS.md');
const HTML_REPORT = join(import.meta.dirname, '../../BENCHMARKS.html');

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const selected = values.only ? values.only.split(',') : Object.keys(SCENARIOS);
  for (const id of selected)
    if (!SCENARIOS[id])
      throw new Error(`unknown scenario ${id}; known: ${Object.keys(SCENARIOS).join(', ')}`);

  const machine = describeMachine();
  console.log(`machine: ${machine}\n`);
  writeSection(
    REPORT,
    'machine',
    `Machine of the latest run: ${machine}. Run on ${new Date().toISOString().slice(0, 10)}.`,
  );
  for (const id of selected) {
    console.error(`scenario ${id} ...`);
    const started = Date.now();
    const loadBefore = loadavg()[0];
    const section = await SCENARIOS[id]();
    // Two shared cores: a figure measured while something else ran is not the service's own.
    const load = `1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`;
    writeSection(
      REPORT,
      id,
      `${section}\n\n_Measured ${new Date().toISOString().slice(0, 10)} in ${Math.round((Date.now() - started) / 1000)} s (${load})._`,
    );
    console.log(`${section}\n`);
  }
  writeFileSync(HTML_REPORT, renderReport(readFileSync(REPORT, 'utf8'), reportCharts()));
  console.log(`wrote ${REPORT} and ${HTML_REPORT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
