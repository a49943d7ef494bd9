import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inTurn } from './rounds.js';

interface TaskResult {
  rows: number;
  millis: number;
  maxRssMiB: number;
  [key: string]: unknown;
}

export interface WarningsBench {
  dir: string;
  /** The repository, for the shipped policy. */
  root: string;
  asOf: string;
  rounds: number;
  runTask(...args: string[]): TaskResult;
  freshSqlite(name: string): string;
  table(title: string, header: string[], rows: string[][]): void;
  fmt(n: number): string;
  median(values: number[]): number;
}

/**
 * `outlook --months 3` over every partner of the data set, then the same run with early warnings on
 * and off, each round on a fresh copy of one imported database, in alternating order; the figure
 * is the median of the rounds' ratios.
 */
export async function benchWarnings(bench: WarningsBench): Promise<void> {
  const { dir, asOf, runTask, freshSqlite, fmt, median } = bench;
  const base = freshSqlite('warnings-base.sqlite');
  runTask('import-set', base, dir);
  const outlooks = Array.from({ length: bench.rounds }, () => runTask('outlook', base, asOf, '3'));
  const outlook = outlooks[0]!;
  const counts = outlook.counts as Record<string, number>;
  bench.table(
    `outlook --months 3 as of ${asOf} (${bench.rounds} rounds; opening the database to printing the text)`,
    ['cycles projected', 'at risk', 'needs data', 'on track', 'wall (median)', 'each round', 'peak MiB'],
    [[fmt(outlook.rows), fmt(counts.at_risk ?? 0), fmt(counts.needs_data ?? 0), fmt(counts.on_track ?? 0), `${(median(outlooks.map((r) => r.millis)) / 1000).toFixed(2)} s`, outlooks.map((r) => `${(r.millis / 1000).toFixed(2)} s`).join(', '), String(Math.max(...outlooks.map((r) => r.maxRssMiB)))]],
  );

  const shipped = JSON.parse(readFileSync(path.join(bench.root, 'data', 'policy.json'), 'utf8')) as Record<string, unknown>;
  const offPolicy = path.join(dir, 'policy-warnings-off.json');
  writeFileSync(offPolicy, JSON.stringify({ ...shipped, earlyWarning: { monthsBefore: [] } }));
  const rounds: Array<{ on: TaskResult; off: TaskResult }> = [];
  for (let round = 0; round < bench.rounds; round++) {
    const copy = (name: string) => {
      const file = freshSqlite(name);
      copyFileSync(base, file);
      return file;
    };
    const [on, off] = await inTurn(
      round,
      () => runTask('run', copy('warnings-on.sqlite'), asOf, path.join(dir, 'outbox-on')),
      () => runTask('run', copy('warnings-off.sqlite'), asOf, path.join(dir, 'outbox-off'), offPolicy),
    );
    rounds.push({ on, off });
  }
  const ratios = rounds.map((r) => r.on.millis / r.off.millis);
  bench.table(
    `Run as of ${asOf} with early warnings on ([3, 1]) and off ([]), on copies of one database (${bench.rounds} rounds in alternating order)`,
    ['cycles decided', 'warnings', 'notices on / off', 'on (median)', 'off (median)', 'on / off (median of rounds)', 'each round'],
    [
      [
        fmt(rounds[0]!.on.rows),
        fmt(rounds[0]!.on.warnings as number),
        `${fmt(rounds[0]!.on.notices as number)} / ${fmt(rounds[0]!.off.notices as number)}`,
        `${(median(rounds.map((r) => r.on.millis)) / 1000).toFixed(2)} s`,
        `${(median(rounds.map((r) => r.off.millis)) / 1000).toFixed(2)} s`,
        median(ratios).toFixed(2),
        ratios.map((r) => r.toFixed(2)).join(', '),
      ],
    ],
  );
}
