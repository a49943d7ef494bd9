import { readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../db/database.js';
import { UsageError } from '../errors.js';
import { assertReadable, displayName, importFiles, type ImportOptions } from './importer.js';
import type { ImportFormat, ImportKind } from './kinds.js';
import type { ImportSummary } from './summary.js';

/** The files of a folder, in the order that lets each refer to the ones before (SPEC §5). */
export function planDirectory(names: readonly string[]): { plan: Array<{ kind: ImportKind; name: string; format?: ImportFormat }>; ignored: string[] } {
  const byLower = new Map(names.map((name) => [name.toLowerCase(), name]));
  const plan: Array<{ kind: ImportKind; name: string; format?: ImportFormat }> = [];
  const take = (kind: ImportKind, lower: string, format?: ImportFormat) => {
    const name = byLower.get(lower);
    if (name !== undefined) plan.push({ kind, name, ...(format ? { format } : {}) });
  };
  take('partners', 'partners.csv');
  take('fx-rates', 'fx-rates.csv');
  for (const lower of [...byLower.keys()].filter((n) => /^revenue.*\.csv$/.test(n)).sort()) take('revenue', lower);
  take('assessments', 'assessments.csv');
  take('security', 'security.csv');
  // Graph's score after the CSV: of two snapshots of a partner on one day, the real source's stands.
  take('security', 'security-score.jsonl', 'graph-security-score');
  take('support-plans', 'support-plans.csv');
  const planned = new Set(plan.map((entry) => entry.name));
  const ignored = names.filter((name) => /\.(csv|jsonl)$/i.test(name) && !planned.has(name));
  return { plan, ignored };
}

/**
 * Imports every known file of a folder in one transaction: if any file is rejected, every file is
 * checked still (so one attempt reports all the problems) and then nothing at all is kept.
 */
export async function importDirectory(
  store: Store,
  dir: string,
  options: ImportOptions,
): Promise<{ summaries: ImportSummary[]; ignored: string[] }> {
  const { plan, ignored } = planDirectory(readdirSync(dir));
  if (plan.length === 0) {
    throw new UsageError(
      `${dir} holds none of the known files (partners.csv, fx-rates.csv, revenue*.csv, assessments.csv, security.csv, security-score.jsonl, support-plans.csv)`,
    );
  }
  const files = plan.map((entry) => ({ ...entry, file: path.join(dir, entry.name) }));
  for (const entry of files) assertInside(dir, entry.file);
  const summaries = await importFiles(store, files, { ...options, format: undefined }, dir);
  return { summaries, ignored };
}

/**
 * A file of a folder import must be in that folder: a symbolic link that leads out of it is refused
 * before anything is read, so that nothing of the file it points to can reach a message.
 */
function assertInside(dir: string, file: string): void {
  assertReadable(file);
  const relative = path.relative(realpathSync(dir), realpathSync(file));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new UsageError(`${displayName(file)} is a symbolic link to a file outside ${displayName(dir)}: a folder import reads only the folder's own files; copy the file into the folder instead`);
  }
}
