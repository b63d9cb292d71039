import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const HEADER = `# Benchmarks

Written by \`npm run bench\` (each section by the scenario that measured it; a partial run with
\`--only\` rewrites only its own sections). Clients run in separate processes and speak real gRPC
or HTTP to the service; medians and ratios within a section come from one run, side by side.
`;

/**
 * Replaces one scenario's section of BENCHMARKS.md (between its markers), leaving the others,
 * so the file always holds the latest figures of every scenario.
 */
export function writeSection(file: string, id: string, markdown: string) {
  const begin = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start >= 0 && stop > start) text = text.slice(0, start) + block + text.slice(stop + end.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, text);
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
