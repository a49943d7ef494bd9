import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createTestDatabase, type Engine, type TestDatabase } from '../helpers/engines.js';

/** The columns every partners file here starts with. */
export const PARTNERS_HEADER = 'partner_id,partner_name,onboarded_on,notice_to';

export interface ImportFolder {
  /** The fresh database of the running test. */
  readonly temp: TestDatabase;
  /** The environment the CLI is run with. */
  env(): Record<string, string>;
  /** Writes a file (folders made as needed) under the test's folder and returns its path. */
  write(name: string, content: string | Buffer): string;
  partnerCount(): Promise<number>;
}

/** A fresh database and folder for each test of the calling `describe`, removed afterwards. */
export function useImportFolder(engine: Engine): ImportFolder {
  let temp: TestDatabase | undefined;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
  });
  afterEach(async () => temp?.cleanup());
  return {
    get temp() {
      return temp!;
    },
    env: () => ({ DATABASE_URL: temp!.databaseUrl }),
    write(name, content) {
      const file = path.join(temp!.dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    partnerCount: async () => Number(Object.values((await temp!.query('select count(*) from partners'))[0]!)[0]),
  };
}
