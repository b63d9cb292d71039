import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrecacheMetricNames } from './metric-names.js';

const ROOT = join(__dirname, '../../..');
const DEFINED = new Set<string>(Object.values(PrecacheMetricNames));
const SUFFIXES = /_(bucket|count|sum)$/;

/** Metric names the operations files use, from the families this service defines. */
function referenced(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const names = text.match(/\b(?:precache|uhd|health_record)_[a-z_]+\b/g) ?? [];
  return [...new Set(names.map((name) => name.replace(SUFFIXES, '')))];
}

describe('PrecacheMetricNames', () => {
  it.each(['deploy/prometheus/precache-alerts.yml', 'deploy/grafana/precache-dashboard.json'])(
    'defines every metric %s refers to',
    (file) => {
      const names = referenced(file);
      expect(names.length).toBeGreaterThan(3);
      expect(names.filter((name) => !DEFINED.has(name))).toEqual([]);
    },
  );
});
