import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import { UsageError } from '../errors.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/**
 * An open database. `sqlite` is the raw better-sqlite3 handle under kysely, for the bulk import
 * path, where a prepared positional statement is markedly cheaper than the query builder.
 */
export interface Store {
  db: Kysely<Database>;
  engine: 'sqlite' | 'postgres';
  sqlite: BetterSqlite3.Database | null;
  pgPool: pg.Pool | null;
  /** What to show a person: the file path, or the URL without its password. */
  label: string;
  close(): Promise<void>;
}

export async function openStore(database: Config['database']): Promise<Store> {
  const store = database.kind === 'sqlite' ? openSqlite(database.file, database.busyTimeoutMs ?? 10_000) : openPostgres(database.url);
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

const PAGE_SIZE = 16_384;

function openSqlite(file: string, busyTimeoutMs: number): Store {
  mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file, { timeout: busyTimeoutMs });
    // Set before the first table is created, and kept by the file after (a no-op on an existing
    // one): 16 KiB pages make the import of millions of lines write a quarter as many pages.
    sqlite.pragma(`page_size = ${PAGE_SIZE}`);
    sqlite.pragma('journal_mode = WAL');
  } catch (error) {
    // Locked by another process is not bad input: the entry point reports it as such (exit 3).
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw error;
    throw new UsageError(`cannot open database ${file}: ${(error as Error).message}`);
  }
  sqlite.pragma('synchronous = NORMAL');
  // Statement journals in memory: each multi-row insert of an import saves the pages it changes in
  // one, and a 16 KiB page makes it pass SQLite's 64 KiB spill limit, so every statement wrote its
  // journal to a temporary file (1.8 GB of writes for a million-line import). The journal is freed
  // when its statement ends; the few other temporary tables here are small.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: forKysely(sqlite) }) });
  return {
    db,
    engine: 'sqlite',
    sqlite,
    pgPool: null,
    label: file,
    close: () => db.destroy(),
  };
}

function openPostgres(url: string): Store {
  // int8 and numeric come back as text: JavaScript numbers must never hold money or big counts.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection the server closes (restart, failover, idle timeout) is already dropped by
  // the pool and the next query opens a new one; unheard, the 'error' event would end the process.
  pool.on('error', () => undefined);
  // A connection lost while checked out (in a transaction, or holding the run lock) says so on its
  // own 'error', which the pool stops listening to at checkout: its query fails, or its holder
  // listens, and the process must not end.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    sqlite: null,
    pgPool: pool,
    label: url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@'),
    close: () => db.destroy(),
  };
}

/**
 * kysely opens every transaction with a plain (deferred) BEGIN. In WAL mode a deferred transaction
 * that has read, and then writes after another process committed, fails at once with
 * SQLITE_BUSY: its snapshot is stale, so SQLite does not wait the busy timeout. Two runs started
 * together then could both fail, the one holding the run lock included. Every transaction here
 * writes, so each takes the write lock as it begins, and waits its turn like any other writer.
 */
const BEGIN_WRITING = 'begin immediate';

const NOTHING_TO_ROLL_BACK = 'select 1';

/** Compiled statements kept; a few texts vary with the length of an `in (?, …)` list. */
const STATEMENT_CACHE = 256;

/**
 * The handle kysely sees, with two changes to the statements it asks for:
 * - kysely prepares every query anew. A run asks the same few dozen questions for each partner, and
 *   SQLite compiling them again each time was about a sixth of a whole run over 5M revenue lines. So
 *   statements are kept by their text, the least recently used dropped first. A statement still
 *   being iterated is busy and cannot run again: a fresh one is prepared for that call.
 * - its `begin` becomes BEGIN_WRITING.
 */
function forKysely(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      // SQLite rolls a transaction back itself on some errors (a full disk): kysely's own rollback
      // would then fail and hide the error that caused it.
      if (sql === 'rollback' && !sqlite.inTransaction) return sqlite.prepare(NOTHING_TO_ROLL_BACK);
      const sqlText = sql === 'begin' ? BEGIN_WRITING : sql;
      const cached = cache.get(sqlText);
      if (cached && !cached.busy) {
        cache.delete(sqlText);
        cache.set(sqlText, cached);
        return cached;
      }
      const statement = sqlite.prepare(sqlText);
      if (!cached) {
        cache.set(sqlText, statement);
        if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

const staticProvider: MigrationProvider = { getMigrations: async () => migrations };

/** Runs every pending migration; kysely's result object becomes an exception here and only here. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: staticProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : '';
    throw new Error(`database migration failed${name}: ${(error as Error | undefined)?.message ?? 'unknown error'}`);
  }
  return (results ?? []).map((result) => result.migrationName);
}
