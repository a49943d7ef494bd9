import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { createTestDatabase, type Engine, type TestDatabase } from './engines.js';

export interface StoreFixture {
  readonly temp: TestDatabase;
  /** A store opened (and migrated) on the test's fresh database. */
  readonly store: Store;
}

/** A fresh database on `engine` with a store open on it, for each test of the calling `describe`; removed afterwards. */
export function useStore(engine: Engine, seed?: (store: Store) => Promise<void>): StoreFixture {
  let temp: TestDatabase | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    store = await temp.openStore();
    await seed?.(store);
  });
  afterEach(async () => {
    await temp?.cleanup();
    temp = store = undefined;
  });
  return {
    get temp() {
      return temp!;
    },
    get store() {
      return store!;
    },
  };
}
