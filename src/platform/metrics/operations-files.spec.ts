import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MetricNames } from './metric-names.js';

const DEPLOY = join(__dirname, '../../../deploy');
const OUR_NAMESPACES =
  /\b((?:rules|replicator|grpc_server|http_server|precache|health_record|uhd)_[a-z0-9_]+)/g;
const SERIES_SUFFIXES = ['_bucket', '_count', '_sum'];

function operationsFiles(): Array<{ file: string; text: string }> {
  return ['prometheus', 'grafana'].flatMap((folder) =>
    readdirSync(join(DEPLOY, folder)).map((name) => ({
      file: `${folder}/${name}`,
      text: readFileSync(join(DEPLOY, folder, name), 'utf8'),
    })),
  );
}

/** Alert rules and dashboards name metrics by string: a typo there is a silent, always-empty panel. */
describe('operations files', () => {
  const defined = new Set<string>(Object.values(MetricNames));
  const isDefined = (name: string) =>
    defined.has(name) ||
    SERIES_SUFFIXES.some((suffix) => name.endsWith(suffix) && defined.has(name.slice(0, -suffix.length)));

  it.each(operationsFiles().map((f) => [f.file, f.text]))(
    '%s names only metrics the service exports',
    (file, text) => {
      // promtool unit tests name series outside `expr:` too: read them whole.
      if (file.endsWith('.test.yml')) {
        const all = [...new Set([...text.matchAll(OUR_NAMESPACES)].map((m) => m[1]))];
        expect(all.filter((name) => !isDefined(name))).toEqual([]);
        return;
      }
      const expressions = [
        ...text.matchAll(
          /"expr":\s*"((?:[^"\\]|\\.)*)"|expr:\s*\|?\s*([\s\S]*?)(?=\n\s+for:|\n\s+labels:|\n\s+- alert:|$)/g,
        ),
      ]
        .map((m) => m[1] ?? m[2] ?? '')
        .join('\n');
      const names = [...new Set([...expressions.matchAll(OUR_NAMESPACES)].map((m) => m[1]))];
      expect(names.length).toBeGreaterThan(0);
      expect(names.filter((name) => !isDefined(name))).toEqual([]);
    },
  );

  it('keeps every dashboard valid JSON with a unique id per panel', () => {
    for (const { file, text } of operationsFiles().filter((f) => f.file.endsWith('.json'))) {
      const dashboard = JSON.parse(text) as { panels: Array<{ id: number }> };
      const ids = dashboard.panels.map((p) => p.id);
      expect({ file, unique: new Set(ids).size }).toEqual({ file, unique: ids.length });
    }
  });
});
