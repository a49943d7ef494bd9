import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { ImportRejected } from '../../src/errors.js';
import { importDirectory, importFile, type ImportKind, type ImportOptions, type ImportSummary } from '../../src/import/index.js';
import { REPO_ROOT, SAMPLE_DIR } from '../helpers/cli.js';
import { createTempStore, type TempStore } from '../helpers/temp-store.js';

export const FIXTURES_DIR = path.resolve(import.meta.dirname, '..', 'fixtures');
export const IMPORT_OPTIONS: ImportOptions = { now: () => new Date('2026-10-15T06:00:00Z'), progress: null };

export const PARTNERS_HEADER = 'partner_id,partner_name,onboarded_on,notice_to';

/** A temp store holding the sample data, so that "as it was" is a database with something in it. */
export async function createBaselineStore(): Promise<TempStore> {
  const temp = await createTempStore();
  await importDirectory(temp.store, SAMPLE_DIR, IMPORT_OPTIONS);
  return temp;
}

/** Every row of every table as sorted text (BigInts exact), for "the database is as it was". */
export function databaseContents(temp: TempStore): Record<string, string[]> {
  const sqlite = temp.store.sqlite!;
  const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const asText = (row: unknown) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
  return Object.fromEntries(tables.map((table) => [table, sqlite.prepare(`SELECT * FROM "${table}"`).safeIntegers(true).all().map(asText).sort()]));
}

/** Rows of `table` written by one import batch, BigInts exact. */
export function batchRows(temp: TempStore, table: string, columns: string, batchId: number): Record<string, unknown>[] {
  return temp.store.sqlite!.prepare(`SELECT ${columns} FROM ${table} WHERE batch_id = ? ORDER BY rowid`).safeIntegers(true).all(batchId) as Record<string, unknown>[];
}

export type ImportOutcome = { summary: ImportSummary; rejected?: undefined } | { rejected: ImportRejected; summary?: undefined };

/** An importer and the rejection it throws: this source's, or the compiled one in dist/. */
export interface Importer {
  importFile: typeof importFile;
  ImportRejected: typeof ImportRejected;
}

export const SOURCE_IMPORTER: Importer = { importFile, ImportRejected };

/**
 * The compiled importer, reading every file in its worker thread as it does files of 8 MiB and
 * more: the worker exists only in dist/ (`npm run build`), never under vitest's TypeScript.
 */
export async function workerImporter(): Promise<Importer> {
  const dist = (file: string) => pathToFileURL(path.join(REPO_ROOT, 'dist', 'src', file)).href;
  const { importFile: distImportFile } = (await import(dist('import/index.js'))) as typeof import('../../src/import/index.js');
  const errors = (await import(dist('errors.js'))) as typeof import('../../src/errors.js');
  return {
    importFile: (store, kind, file, options) => distImportFile(store, kind, file, { ...options, workerMinBytes: 0 }),
    ImportRejected: errors.ImportRejected,
  };
}

/** One import: into which store, what kind, which file, with what options, by which importer. */
type ImportCall = [temp: TempStore, kind: ImportKind, file: string, options?: Partial<ImportOptions>, importer?: Importer];

/** Imports one file; an ImportRejected is an outcome, anything else thrown fails the test. */
export async function tryImport(...[temp, kind, file, options = {}, importer = SOURCE_IMPORTER]: ImportCall): Promise<ImportOutcome> {
  try {
    return { summary: await importer.importFile(temp.store, kind, file, { ...IMPORT_OPTIONS, ...options }) };
  } catch (error) {
    if (error instanceof importer.ImportRejected) return { rejected: error };
    throw error;
  }
}

/** Imports a file that must be rejected, checks nothing changed, and returns the rejection. */
export async function expectRejected(...call: ImportCall): Promise<ImportRejected> {
  const [temp, , file, , importer = SOURCE_IMPORTER] = call;
  const before = databaseContents(temp);
  const outcome = await tryImport(...call);
  expect(outcome.rejected, `${path.basename(file)} should be rejected`).toBeInstanceOf(importer.ImportRejected);
  expect(databaseContents(temp)).toEqual(before);
  return outcome.rejected!;
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** One CSV line, every field quoted the RFC 4180 way. */
export function csvLine(fields: readonly string[]): string {
  return fields.map((field) => `"${field.replace(/"/g, '""')}"`).join(',');
}
