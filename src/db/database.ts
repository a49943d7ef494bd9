import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteAdapter, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { Migrator, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { redactUrl } from '../config/redact.js';
import type { Config } from '../config/config.js';
import { ensureWritableFile, ensureWritableFolder } from '../config/folders.js';
import { describeEnvironmentFailure } from '../errors.js';
import { checkPostgresConnection, checkSqlitePath, failedToPrepare, readSnapshot, sqliteOpenError, withUpgradeNote } from './open-checks.js';
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

/** `read`: the commands that only read (runs, report, explain, due) open SQLite read-only when they can. */
export interface OpenOptions {
  access?: 'read' | 'write';
}

export async function openStore(database: Config['database'], options: OpenOptions = {}): Promise<Store> {
  if (database.kind === 'sqlite') checkSqlitePath(database.file);
  if (options.access === 'read' && database.kind === 'sqlite' && existsSync(database.file)) {
    const reader = openSqliteReader(database.file, database.busyTimeoutMs ?? 10_000);
    const pending = await pendingMigrations(reader.db);
    if (pending.length === 0) return reader;
    await reader.close();
    return withUpgradeNote(database.file, pending, Object.keys(migrations).length, () => openAndMigrate(database));
  }
  return openAndMigrate(database);
}

async function openAndMigrate(database: Config['database']): Promise<Store> {
  const store = database.kind === 'sqlite' ? openSqlite(database.file, database.busyTimeoutMs ?? 10_000) : await openPostgres(database.url, database.connectTimeoutMs ?? 10_000);
  try {
    // Migrating takes SQLite's write lock; only a database that is behind should wait for it, so a
    // command opened while an import writes reaches the run lock and says what holds it.
    if ((await pendingMigrations(store.db)).length > 0) await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw failedToPrepare(store.label, error);
  }
  return store;
}

const PAGE_SIZE = 16_384;

function openSqlite(file: string, busyTimeoutMs: number): Store {
  ensureWritableFolder(path.dirname(file), 'database folder');
  for (const companion of [file, `${file}-wal`, `${file}-shm`]) ensureWritableFile(companion, 'database file');
  let sqlite: BetterSqlite3.Database;
  try {
    sqlite = new BetterSqlite3(file, { timeout: busyTimeoutMs });
    // Set before the first table is created, and kept by the file after (a no-op on an existing
    // one): larger pages mean fewer page writes for a bulk import.
    sqlite.pragma(`page_size = ${PAGE_SIZE}`);
    sqlite.pragma('journal_mode = WAL');
  } catch (error) {
    throw sqliteOpenError(file, error);
  }
  sqlite.pragma('synchronous = NORMAL');
  // Statement journals in memory: each multi-row insert of an import saves the pages it changes in
  // one, and with 16 KiB pages it would pass SQLite's 64 KiB spill limit and go to a temporary file.
  // The journal is freed when its statement ends; the few other temporary tables here are small.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = ON');
  return sqliteStore(sqlite, file);
}

function sqliteStore(sqlite: BetterSqlite3.Database, file: string): Store {
  const db = new Kysely<Database>({ dialect: new TransactionalSqliteDialect({ database: forKysely(sqlite) }) });
  return {
    db,
    engine: 'sqlite',
    sqlite,
    pgPool: null,
    label: file,
    close: () => db.destroy(),
  };
}

/**
 * A read-only connection, which never writes the file and so works on a read-only file or folder.
 * SQLite shares its index of the write-ahead log in a `-shm` file beside the database. Where none is
 * there and this user may not write the database, one is not made (it would take the database's
 * read-only mode and stop its owner's next write): the database is read from a snapshot of the file
 * in memory instead, which holds everything committed when no `-wal` file holds more.
 */
function openSqliteReader(file: string, busyTimeoutMs: number): Store {
  const fromSnapshot = () => {
    const snapshot = readSnapshot(file);
    return snapshot ? new BetterSqlite3(snapshot, { readonly: true }) : null;
  };
  let sqlite: BetterSqlite3.Database | null = null;
  try {
    sqlite = existsSync(`${file}-shm`) || isWritable(file) ? null : fromSnapshot();
    sqlite ??= new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    try {
      sqlite.prepare('select count(*) from sqlite_master').get();
    } catch (error) {
      // A -shm file this user may not read (another user's, mode 600) fails in place; a snapshot may not.
      const code = (error as { code?: string }).code ?? '';
      if (code !== 'SQLITE_CANTOPEN' && !code.startsWith('SQLITE_READONLY')) throw error;
      sqlite.close();
      sqlite = fromSnapshot();
      if (!sqlite) throw error;
    }
  } catch (error) {
    sqlite?.close();
    throw sqliteOpenError(file, error, 'read');
  }
  sqlite.pragma('temp_store = MEMORY');
  return sqliteStore(sqlite, file);
}

function isWritable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(path.dirname(file), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** SQLite's adapter with its DDL in transactions, which SQLite supports: a failed migration leaves nothing half-made. */
class TransactionalSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalSqliteAdapter();
  }
}

async function openPostgres(url: string, connectTimeoutMs: number): Promise<Store> {
  // int8 and numeric come back as text: JavaScript numbers must never hold money or big counts.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: connectTimeoutMs });
  // An idle connection the server closes (restart, failover, idle timeout) is already dropped by
  // the pool and the next query opens a new one; unheard, the 'error' event would end the process.
  pool.on('error', () => undefined);
  // A connection lost while checked out (in a transaction, or holding the run lock) says so on its
  // own 'error', which the pool stops listening to at checkout: its query fails, or its holder
  // listens, and the process must not end.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const label = redactUrl(url);
  await checkPostgresConnection(pool, label, connectTimeoutMs);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: 'postgres',
    sqlite: null,
    pgPool: pool,
    label,
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

/** Compiled statements kept; a few texts vary with the length of an `in (?, …)` list. */
const STATEMENT_CACHE = 256;

/**
 * The handle kysely sees, with two changes to the statements it asks for:
 * - kysely prepares every query anew, and a run asks the same few dozen questions for each partner,
 *   so statements are kept by their text rather than compiled again, the least recently used
 *   dropped first. A statement still being iterated is busy and cannot run again: a fresh one is
 *   prepared for that call.
 * - its `begin` becomes BEGIN_WRITING.
 */
function forKysely(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      if (sql === 'rollback') return rollbackIfOpen(sqlite);
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

/**
 * SQLite rolls a transaction back by itself when the disk is full or an I/O error strikes; kysely's
 * own rollback after that would fail with "no transaction is active" and hide the real cause.
 */
function rollbackIfOpen(sqlite: BetterSqlite3.Database): SqliteStatement {
  const run = () => (sqlite.inTransaction ? sqlite.prepare('rollback').run() : { changes: 0, lastInsertRowid: 0 });
  return {
    reader: false,
    run,
    all: () => {
      run();
      return [];
    },
    iterate: () => {
      run();
      return [][Symbol.iterator]();
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
    // The cause's code stays on the error, so a full disk or a lost server is told as what it is.
    throw Object.assign(new Error(`database migration failed${name}: ${(error as Error | undefined)?.message ?? 'unknown error'}`, { cause: error }), {
      code: (error as { code?: unknown } | undefined)?.code,
    });
  }
  return (results ?? []).map((result) => result.migrationName);
}

/** The migrations this database has not had yet: all of them when it has no schema at all. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  let done: Set<string>;
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    done = new Set(rows.rows.map((row) => row.name));
  } catch (error) {
    if (describeEnvironmentFailure(error)) throw error;
    done = new Set();
  }
  return Object.keys(migrations).filter((name) => !done.has(name));
}
