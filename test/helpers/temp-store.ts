import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type Store } from '../../src/db/database.js';

export interface TempStore {
  store: Store;
  dir: string;
  file: string;
  cleanup(): Promise<void>;
}

/** A real SQLite file in a fresh temp folder, migrated by the real migrator. */
export async function createTempStore(): Promise<TempStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csp-reeval-test-'));
  const file = path.join(dir, 'reeval.sqlite');
  const store = await openStore({ kind: 'sqlite', file });
  return {
    store,
    dir,
    file,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'csp-reeval-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh temp folder for each test of the calling `describe`, removed afterwards. */
export function useTempDir(): { readonly dir: string } {
  const current = { dir: '' };
  let cleanup = () => {};
  beforeEach(() => {
    ({ dir: current.dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());
  return current;
}
