import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
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
 * - pg: the canonical import into PostgreSQL next to SQLite (with --pg URL, or TEST_DATABASE_URL);
 *   with it, `run` also measures the run, report and explain on PostgreSQL next to SQLite.
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
/**
 * What the task before it left to do is done before a measured task starts: the kernel writes the
 * dirty pages of the file it wrote (sync), and PostgreSQL writes its changed buffers (CHECKPOINT).
 * Otherwise a round pays for the writes of the round before it, which in alternating rounds is the
 * other side's.
 */
async function settled(...args: string[]): Promise<TaskResult> {
  execFileSync('sync');
  await pgAdmin?.query('CHECKPOINT').catch(() => undefined);
  return runTask(...args);
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

/** Fresh PostgreSQL databases on the --pg server, one per measured task; all dropped at the end. */
const pgAdmin = values.pg ? new pg.Client({ connectionString: values.pg }) : null;
await pgAdmin?.connect();
const pgDatabases: string[] = [];
async function freshPostgres(): Promise<string> {
  const name = `reeval_bench_${process.pid}_${pgDatabases.length}`;
  await pgAdmin!.query(`CREATE DATABASE ${name}`);
  pgDatabases.push(name);
  const url = new URL(values.pg!);
  url.pathname = `/${name}`;
  return url.toString();
}
async function dropPostgres(): Promise<void> {
  for (const name of pgDatabases.splice(0)) await pgAdmin!.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

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
        () => settled('parse', file),
        () => settled('import', freshSqlite(`import-${format}.sqlite`), file, format, partnersFile),
      );
      if (imported.skipped !== 0) throw new Error(`${String(imported.skipped)} lines of ${file} matched no partner: the data set is inconsistent`);
      rounds.push({ parsed, imported });
    }
    const ratios = rounds.map((r) => rate(r.imported) / rate(r.parsed));
    const importRate = median(rounds.map((r) => rate(r.imported)));
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

/** A copy of a canonical revenue file with every amount changed, kept beside it: the same keys, so importing it replaces every line. */
async function correctedCopy(file: string): Promise<string> {
  const copy = file.replace(/\.csv$/, '-corrected.csv');
  if (existsSync(copy)) return copy;
  const out = createWriteStream(`${copy}.part`);
  let header = true;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    // The generated file quotes no field; its amount is the fourth column.
    const fields = line.split(',');
    if (!header && fields.length > 3) fields[3] = `${fields[3]!.includes('.') ? fields[3] : `${fields[3]}.`}5`;
    header = false;
    if (!out.write(`${fields.join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  renameSync(`${copy}.part`, copy);
  return copy;
}

const engines = values.pg ? (['SQLite', 'PostgreSQL'] as const) : (['SQLite'] as const);
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
try {
  if (only.has('run')) {
    // Each engine gets the whole data set, the measured run, then the year's other runs (unmeasured)
    // so that the report has a year of decisions; report and explain are then measured in rounds
    // alternating the engines. Every PostgreSQL figure stands next to its SQLite twin of this bench.
    const databases: string[] = [];
    const runs: Array<{ imported: TaskResult; run: TaskResult }> = [];
    for (const engine of engines) {
      const database = engine === 'SQLite' ? freshSqlite('run.sqlite') : await freshPostgres();
      databases.push(database);
      const imported = runTask('import-set', database, dir);
      const run = runTask('run', database, values['as-of']!, path.join(dir, `outbox-${engine}`));
      const nextMonth = new Date(`${values['as-of']!.slice(0, 7)}-15T00:00:00Z`);
      nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
      runTask('year', database, nextMonth.toISOString().slice(0, 7), '11', path.join(dir, `outbox-${engine}`));
      runs.push({ imported, run });
    }
    const partner = String(runs[0]!.run.firstPartner);
    const reads: Array<{ report: TaskResult[]; explain: TaskResult[] }> = engines.map(() => ({ report: [], explain: [] }));
    for (let round = 0; round < Number(values.rounds); round++) {
      const order = round % 2 === 0 ? engines.map((_, i) => i) : engines.map((_, i) => engines.length - 1 - i);
      for (const i of order) {
        reads[i]!.report.push(runTask('report', databases[i]!, values['as-of']!));
        reads[i]!.explain.push(runTask('explain', databases[i]!, partner, values['as-of']!));
      }
    }
    table(
      `Run as of ${values['as-of']} over ${fmt(runs[0]!.run.revenueLines as number)} revenue lines, then report and explain (${values.rounds} rounds alternating the engines; medians)`,
      ['engine', 'data set import', 'due partners', 'cycles decided', 'run wall', 'database / deciding / rendering / delivery', 'run peak MiB', 'report --format html (decisions)', 'explain one partner'],
      runs.map(({ imported, run }, i) => {
        const [decide, render, send] = [run.decideMs, run.renderMs, run.sendMs] as number[];
        const sql = run.millis - decide! - render! - send!;
        const pct = (ms: number) => `${((ms / run.millis) * 100).toFixed(0)}%`;
        return [
          engines[i]!,
          seconds(imported.millis),
          fmt(run.duePartners as number),
          fmt(run.rows),
          seconds(run.millis),
          [sql, decide!, render!, send!].map(pct).join(' / '),
          String(run.maxRssMiB),
          `${seconds(median(reads[i]!.report.map((r) => r.millis)))} (${fmt(reads[i]!.report[0]!.rows)})`,
          seconds(median(reads[i]!.explain.map((r) => r.millis))),
        ];
      }),
    );
    if (runs.length === 2) {
      const pgOverSqlite = (pick: (i: number) => number) => (pick(1) / pick(0)).toFixed(2);
      process.stdout.write(
        `PostgreSQL / SQLite: run ${pgOverSqlite((i) => runs[i]!.run.millis)}, report ${pgOverSqlite((i) => median(reads[i]!.report.map((r) => r.millis)))}, explain ${pgOverSqlite((i) => median(reads[i]!.explain.map((r) => r.millis)))}\n`,
      );
    }
    for (const [i, { run }] of runs.entries()) {
      process.stdout.write(`${engines[i]} outcomes: ${Object.entries(run.counts as Record<string, number>).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    }
    await dropPostgres();
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
    // The same canonical file into PostgreSQL and into SQLite, rounds alternating which goes first;
    // then a corrected copy of it (every line's key again, its amount changed) over the original.
    const file = revenueFile('canonical');
    const corrected = await correctedCopy(file);
    // The original file goes in first, by a process of its own, so that the measured one's peak memory is its own.
    const measures = [
      { title: 'new lines', args: [file, 'canonical', partnersFile], before: null },
      { title: 'every line replaced by a corrected file', args: [corrected, 'canonical', partnersFile], before: [file, 'canonical', partnersFile] },
    ];
    const rows: string[][] = [];
    for (const measure of measures) {
      const rounds: Array<{ sqlite: TaskResult; postgres: TaskResult }> = [];
      for (let round = 0; round < Number(values.rounds); round++) {
        const database = await freshPostgres();
        const [sqlite, postgres] = await inTurn(
          round,
          () => {
            const sqliteFile = freshSqlite('import-canonical.sqlite');
            if (measure.before) runTask('import', sqliteFile, ...measure.before);
            return settled('import', sqliteFile, ...measure.args);
          },
          () => {
            if (measure.before) runTask('import', database, ...measure.before);
            return settled('import', database, ...measure.args);
          },
        );
        await dropPostgres();
        rounds.push({ sqlite, postgres });
      }
      const ratios = rounds.map((r) => rate(r.postgres) / rate(r.sqlite));
      rows.push([
        measure.title,
        fmt(median(rounds.map((r) => rate(r.sqlite)))),
        fmt(median(rounds.map((r) => rate(r.postgres)))),
        median(ratios).toFixed(2),
        ratios.map((r) => r.toFixed(2)).join(', '),
        `${Math.max(...rounds.map((r) => r.sqlite.maxRssMiB))} / ${Math.max(...rounds.map((r) => r.postgres.maxRssMiB))}`,
      ]);
    }
    table(
      `Canonical revenue import of ${fmt(lines)} lines, PostgreSQL (COPY) next to SQLite (${values.rounds} rounds in alternating order; medians)`,
      ['lines imported', 'SQLite rows/s', 'PostgreSQL rows/s', 'PostgreSQL / SQLite', 'each round', 'peak MiB SQLite / PostgreSQL (highest)'],
      rows,
    );
  } else if (only.has('pg')) {
    process.stdout.write('\n(PostgreSQL skipped: pass --pg postgres://… or set TEST_DATABASE_URL)\n');
  }
} finally {
  await dropPostgres();
  await pgAdmin?.end();
}
