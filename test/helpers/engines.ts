import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/db/database.js';
import { rawQuery } from '../../src/db/raw-sql.js';

export type Engine = Store['engine'];

/** The server the PostgreSQL runs use; each test database is created on it and dropped after. */
const SERVER_URL = process.env.TEST_DATABASE_URL?.trim() || null;

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server. */
export const ENGINES: readonly Engine[] = SERVER_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  engine: Engine;
  /** What DATABASE_URL gets: a SQLite file in `dir`, or the URL of a throwaway PostgreSQL database. */
  databaseUrl: string;
  /** A fresh temp folder for the outbox, CSV files and the like. */
  dir: string;
  /** Opens (and migrates) a store on this database; closed by `cleanup` if the test does not. */
  openStore(): Promise<Store>;
  /**
   * Runs raw SQL on either engine and returns its rows. Parameters are written `?`. PostgreSQL
   * returns count(*) and bigint as text, so tests compare through `Number(…)` or `cast(… as text)`.
   */
  query<T = Record<string, unknown>>(sqlText: string, params?: readonly unknown[]): Promise<T[]>;
  /** Closes every store and removes the folder and the database, even after a failed test. */
  cleanup(): Promise<void>;
}

/** A fresh, empty database on `engine`, migrated on first use by the real migrator. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'csp-reeval-test-'));
  let dropDatabase: () => Promise<void> = async () => undefined;
  let databaseUrl = path.join(dir, 'reeval.sqlite');
  if (engine === 'postgres') {
    try {
      const created = await createPostgresDatabase();
      databaseUrl = created.url;
      dropDatabase = created.drop;
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  const database = engine === 'sqlite' ? { kind: 'sqlite' as const, file: databaseUrl } : { kind: 'postgres' as const, url: databaseUrl };

  const opened: Store[] = [];
  const open = async () => {
    const store = await openStore(database);
    const close = store.close;
    let closed = false;
    // Closing twice (by the test, then by cleanup) must be harmless.
    store.close = async () => {
      if (closed) return;
      closed = true;
      await close();
    };
    opened.push(store);
    return store;
  };
  let queryStore: Promise<Store> | null = null;

  return {
    engine,
    databaseUrl,
    dir,
    openStore: open,
    query: async <T>(sqlText: string, params: readonly unknown[] = []) => {
      queryStore ??= open();
      const store = await queryStore;
      const result = await store.db.executeQuery<T>(rawQuery(engine, sqlText, params));
      return [...result.rows];
    },
    cleanup: async () => {
      try {
        await Promise.all(opened.map((store) => store.close()));
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await dropDatabase();
      }
    },
  };
}

/** Creates `reeval_t_<random>` through the server at TEST_DATABASE_URL. */
async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!SERVER_URL) throw new Error('TEST_DATABASE_URL is not set: no PostgreSQL server to test against');
  const name = `reeval_t_${randomBytes(6).toString('hex')}`;
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // WITH (FORCE) ends any connection a failed test left open, so the database never stays behind.
    drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onServer(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL! });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

