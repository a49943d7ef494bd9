import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generate } from './generate.js';
import { inTurn } from './rounds.js';
import { benchWarnings } from './warnings.js';

/**
 * `npm run bench [-- --revenue-lines N --partners N --only import,run,warnings,smtp,pg --pg URL --rounds N]`
 *
 * Generates a realistic data set under bench/out (kept between runs), then measures, each task in a
 * process of its own and every baseline in the same run as what it is compared with:
 * - import: revenue lines/s of the import next to csv-parse merely parsing the same file, peak memory;
 * - run: a whole run over the data set, split into deciding, rendering, sending and the database;
 * - warnings: `outlook` over every partner, and a run with early warnings on next to the same run with them off;
 * - smtp: notices/s to a loopback SMTP server next to a bare nodemailer pool sending the same messages;
 * - pg: the import into PostgreSQL next to SQLite (with --pg URL, or TEST_DATABASE_URL).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { values } = parseArgs({
  options: {
    'revenue-lines': { type: 'string', default: '2000000' },
    partners: { type: 'string', default: '5000' },
    formats: { type: 'string', default: 'canonical,partner-center' },
    only: { type: 'string', default: 'import,run,warnings,smtp,pg' },
    'as-of': { type: 'string', default: '2026-10-15' },
    messages: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    pg: { type: 'string', default: process.env.TEST_DATABASE_URL ?? '' },
    out: { type: 'string', default: path.join(root, 'bench', 'out') },
    regenerate: { type: 'boolean', default: false },
  },
});

const lines = Number(values['revenue-lines']);
const partners = Number(values.partners);
const formats = values.formats!.split(',') as Array<'canonical' | 'partner-center'>;
const only = new Set(values.only!.split(','));
const dir = path.join(values.out!, `${partners}p-${lines}l`);
const task = path.join(here, 'task.js');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

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
const rate = (r: TaskResult, millis = r.millis) => (r.rows / millis) * 1000;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function table(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`\n${title}\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`);
}

function freshSqlite(name: string): string {
  const file = path.join(dir, name);
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  return file;
}

const marker = path.join(dir, '.complete');
if (values.regenerate || !existsSync(marker)) {
  rmSync(dir, { recursive: true, force: true });
  const started = Date.now();
  process.stderr.write(`generating ${fmt(partners)} partners and ${fmt(lines)} revenue lines per format into ${path.relative(root, dir)} …\n`);
  await generate({ dir, partners, revenueLines: lines, asOfMonth: values['as-of']!.slice(0, 7), formats: ['canonical', 'partner-center'] });
  writeFileSync(marker, '');
  process.stderr.write(`generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
const revenueFile = (format: string) => path.join(dir, format === 'canonical' ? 'revenue.csv' : 'revenue-partner-center.csv');
const partnersFile = path.join(dir, 'partners.csv');
process.stdout.write(`csp-reeval benchmarks — Node ${process.version}, ${fmt(partners)} partners, ${fmt(lines)} revenue lines per file\n`);

let sqliteCanonicalRate = 0;
if (only.has('import')) {
  const rows: string[][] = [];
  for (const format of formats) {
    const file = revenueFile(format);
    // Rounds alternate which of the two goes first; each round's ratio compares the two under the
    // same conditions, and the median of those ratios is the figure (this machine's speed drifts).
    const rounds: Array<{ parsed: TaskResult; imported: TaskResult }> = [];
    for (let round = 0; round < Number(values.rounds); round++) {
      const [parsed, imported] = await inTurn(
        round,
        () => runTask('parse', file),
        () => runTask('import', freshSqlite(`import-${format}.sqlite`), file, format, partnersFile),
      );
      if (imported.skipped !== 0) throw new Error(`${String(imported.skipped)} lines of ${file} matched no partner: the data set is inconsistent`);
      rounds.push({ parsed, imported });
    }
    const ratios = rounds.map((r) => rate(r.imported) / rate(r.parsed));
    const importRate = median(rounds.map((r) => rate(r.imported)));
    if (format === 'canonical') sqliteCanonicalRate = importRate;
    rows.push([
      `${format} (${fmt(statSync(file).size / 2 ** 20)} MiB)`,
      fmt(rounds[0]!.parsed.rows),
      fmt(median(rounds.map((r) => rate(r.parsed)))),
      fmt(importRate),
      median(ratios).toFixed(2),
      ratios.map((r) => r.toFixed(2)).join(', '),
      `${Math.max(...rounds.map((r) => r.parsed.maxRssMiB))} / ${Math.max(...rounds.map((r) => r.imported.maxRssMiB))}`,
    ]);
  }
  table(
    `Revenue import into SQLite (${values.rounds} rounds in alternating order; medians)`,
    ['revenue file', 'lines', 'csv-parse only, rows/s', 'import, rows/s', 'import / parse', 'each round', 'peak MiB parse / import (highest)'],
    rows,
  );
}

if (only.has('run')) {
  const database = freshSqlite('run.sqlite');
  const imported = runTask('import-set', database, dir);
  const result = runTask('run', database, values['as-of']!, path.join(dir, 'outbox'));
  const counts = result.counts as Record<string, number>;
  const [decide, render, send] = [result.decideMs, result.renderMs, result.sendMs] as number[];
  // Delivery is timed as a whole (sends overlap); everything else is reading and recording.
  const sql = result.millis - decide! - render! - send!;
  const share = (ms: number) => `${fmt(ms)} ms (${((ms / result.millis) * 100).toFixed(0)}%)`;
  table(
    `Run as of ${values['as-of']} over ${fmt(result.revenueLines as number)} revenue lines (importing the data set took ${(imported.millis / 1000).toFixed(1)} s, in a process of its own)`,
    ['due partners', 'cycles decided', 'notices', 'wall', 'database (reading, recording)', 'deciding', 'rendering', 'delivery (.eml)', 'peak MiB'],
    [
      [
        fmt(result.duePartners as number),
        fmt(result.rows),
        fmt(result.notices as number),
        `${(result.millis / 1000).toFixed(2)} s`,
        share(sql),
        share(decide!),
        share(render!),
        share(send!),
        String(result.maxRssMiB),
      ],
    ],
  );
  process.stdout.write(`outcomes: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
}

if (only.has('warnings')) await benchWarnings({ dir, root, asOf: values['as-of']!, rounds: Number(values.rounds), runTask, freshSqlite, table, fmt, median });

if (only.has('smtp')) {
  const sink = spawn(process.execPath, [path.join(here, 'smtp-sink.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => sink.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const result = runTask('smtp', `smtp://bench:secret@127.0.0.1:${port}`, values.messages!, freshSqlite('smtp.sqlite'));
    const rounds = result.rounds as Array<{ ours: { millis: number }; bare: { millis: number } }>;
    // Each round pairs the two under the same conditions; the median of their ratios is the figure.
    const ratios = rounds.map((r) => r.bare.millis / r.ours.millis);
    table(
      `Notices over SMTP to a loopback server (5 pooled connections; both warmed up, then ${rounds.length} rounds in alternating order)`,
      ['messages per round', 'csp-reeval, msgs/s (median)', 'bare nodemailer pool, msgs/s (median)', 'csp-reeval / bare (median of rounds)', 'each round'],
      [
        [
          fmt(result.rows),
          fmt(median(rounds.map((r) => (result.rows / r.ours.millis) * 1000))),
          fmt(median(rounds.map((r) => (result.rows / r.bare.millis) * 1000))),
          median(ratios).toFixed(2),
          ratios.map((r) => r.toFixed(2)).join(', '),
        ],
      ],
    );
  } finally {
    sink.kill();
  }
}

if (only.has('pg') && values.pg) {
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  const name = `reeval_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(values.pg);
    url.pathname = `/${name}`;
    const pgResult = runTask('import', url.toString(), revenueFile('canonical'), 'canonical', partnersFile);
    const sqlite = sqliteCanonicalRate || rate(runTask('import', freshSqlite('import-canonical.sqlite'), revenueFile('canonical'), 'canonical', partnersFile));
    table('Canonical revenue import, PostgreSQL next to SQLite', ['engine', 'rows/s', 'peak MiB'], [
      ['SQLite', fmt(sqlite), '-'],
      ['PostgreSQL (5,000 rows per INSERT, one array per column)', fmt(rate(pgResult)), String(pgResult.maxRssMiB)],
    ]);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
} else if (only.has('pg')) {
  process.stdout.write('\n(PostgreSQL import skipped: pass --pg postgres://… or set TEST_DATABASE_URL)\n');
}
