import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate.js';

/**
 * `npm run bench [-- --revenue-lines N --partners N --formats canonical,partner-center]`:
 * generates a data set under bench/out and measures the revenue import against csv-parse merely
 * parsing the same file, each in a process of its own, in the same run.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { values } = parseArgs({
  options: {
    'revenue-lines': { type: 'string', default: '2000000' },
    partners: { type: 'string', default: '5000' },
    formats: { type: 'string', default: 'canonical,partner-center' },
    'as-of': { type: 'string', default: '2026-10-15' },
    out: { type: 'string', default: path.join(root, 'bench', 'out') },
    regenerate: { type: 'boolean', default: false },
  },
});

const lines = Number(values['revenue-lines']);
const partners = Number(values.partners);
const formats = values.formats!.split(',') as Array<'canonical' | 'partner-center'>;
const dir = path.join(values.out!, `${partners}p-${lines}l`);
const task = path.join(here, 'task.js');

interface TaskResult {
  rows: number;
  millis: number;
  maxRssMiB: number;
  [key: string]: unknown;
}

function runTask(...args: string[]): TaskResult {
  const output = execFileSync(process.execPath, [task, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  return JSON.parse(output.trim().split('\n').pop()!) as TaskResult;
}

const rate = (r: TaskResult) => Math.round((r.rows / r.millis) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

const marker = path.join(dir, '.complete');
if (values.regenerate || !existsSync(marker)) {
  rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  process.stderr.write(`generating ${fmt(partners)} partners and ${fmt(lines)} revenue lines per format into ${path.relative(root, dir)} …\n`);
  await generate({ dir, partners, revenueLines: lines, asOfMonth: values['as-of']!.slice(0, 7), formats });
  mkdirSync(dir, { recursive: true });
  execFileSync('touch', [marker]);
  process.stderr.write(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const rows: string[][] = [];
for (const format of formats) {
  const file = path.join(dir, format === 'canonical' ? 'revenue.csv' : 'revenue-partner-center.csv');
  const size = statSync(file).size;
  const parsed = runTask('parse', file);
  const database = path.join(dir, `import-${format}.sqlite`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
  const imported = runTask('import', database, file, format, path.join(dir, 'partners.csv'));
  if (imported.skipped !== 0) throw new Error(`${imported.skipped} lines of ${file} matched no partner: the generated data set is inconsistent`);
  rows.push([
    `${format} (${fmt(Math.round(size / 2 ** 20))} MiB)`,
    fmt(parsed.rows),
    `${fmt(rate(parsed))}`,
    `${fmt(rate(imported))}`,
    (rate(imported) / rate(parsed)).toFixed(2),
    `${parsed.maxRssMiB} / ${imported.maxRssMiB}`,
  ]);
  process.stderr.write(`${format}: parse ${fmt(rate(parsed))} rows/s, import ${fmt(rate(imported))} rows/s\n`);
}

const header = ['revenue file', 'lines', 'csv-parse only rows/s', 'import rows/s', 'import / parse', 'peak MiB parse / import'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(`\nImport into SQLite (${process.version}, ${partners} partners)\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
