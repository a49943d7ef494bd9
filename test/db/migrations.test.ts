import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openStore } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const TABLES = [
  'assessments', 'cycles', 'decisions', 'early_warnings', 'fx_rates', 'import_batches', 'notice_bodies', 'notice_decisions', 'notices', 'overrides',
  'partner_aliases', 'partners', 'revenue_lines', 'revenue_totals', 'run_locks', 'runs', 'security_snapshots', 'support_plans',
];

/** Every column as `table.column type`, lower-cased, from the engine's own catalogue. */
const COLUMNS_SQL = {
  sqlite:
    "select m.name || '.' || c.name as name, lower(c.type) as type from sqlite_master m join pragma_table_info(m.name) c where m.type = 'table' order by 1",
  postgres:
    "select table_name || '.' || column_name as name, data_type as type from information_schema.columns where table_schema = 'public' order by 1",
} as const;

const TABLES_SQL = {
  sqlite: "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name",
  postgres:
    "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'kysely_%' order by table_name",
} as const;

const INDEXES_SQL = {
  sqlite: "select name from sqlite_master where type = 'index' and tbl_name = ? and name not like 'sqlite_%' order by name",
  postgres: "select indexname as name from pg_indexes where schemaname = 'public' and tablename = ? and indexname not like '%_pk' order by indexname",
} as const;

describe.each(ENGINES)('migrations on %s', (engine) => {
  let temp: TestDatabase | undefined;
  afterEach(async () => {
    await temp?.cleanup();
    temp = undefined;
  });

  const columnTypes = async () => {
    const rows = await temp!.query<{ name: string; type: string }>(COLUMNS_SQL[engine]);
    return new Map(rows.map((row) => [row.name, row.type]));
  };

  it('creates every table and is a no-op the second time', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    const tables = (await temp.query<{ name: string }>(TABLES_SQL[engine])).map((row) => row.name);
    expect(tables).toEqual(TABLES);
    expect(await migrateToLatest(store.db)).toEqual([]);
    const reopened = await temp.openStore();
    expect(await migrateToLatest(reopened.db)).toEqual([]);
    expect((await temp.query<{ name: string }>(TABLES_SQL[engine])).map((row) => row.name)).toEqual(TABLES);
  });

  it('stores money as bigint micro-units and no column as floating point', async () => {
    temp = await createTestDatabase(engine);
    const types = await columnTypes();
    expect(types.get('revenue_lines.amount_micro')).toBe('bigint');
    expect(types.get('revenue_totals.amount_micro')).toBe('bigint');
    const floating = [...types].filter(([, type]) => /real|double|float/.test(type));
    expect(floating).toEqual([]);
  });

  it('upgrades a database made by the first release without touching its revenue totals', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    await temp.query("insert into revenue_totals (partner_id, month, currency, amount_micro, lines) values ('4010001', '2026-09', 'JPY', 1500000000, 3)");
    // Back to the schema the first release left behind, then forward again as an upgrade would.
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
    const down = await migrator.migrateTo('0001-initial');
    expect(down.error).toBeUndefined();
    expect((await temp.query<{ name: string }>(INDEXES_SQL[engine], ['revenue_totals'])).map((row) => row.name)).toEqual(['revenue_totals_month']);
    await temp.query(
      "insert into security_snapshots (partner_id, as_of, admin_users, admin_users_with_mfa, security_contact, alerts_total, alerts_responded_in_time, batch_id) values ('4010001', '2026-10-01', 5, 4, 'soc@example.com', 2, 2, 1)",
    );
    expect(await migrateToLatest(store.db)).toEqual(Object.keys(migrations).filter((name) => name !== '0001-initial'));
    expect(await temp.query(INDEXES_SQL[engine], ['revenue_totals'])).toEqual([]);
    const [total] = await temp.query<{ amount: string; lines: string }>('select cast(amount_micro as text) as amount, cast(lines as text) as lines from revenue_totals');
    expect(total).toEqual({ amount: '1500000000', lines: '3' });
    // A snapshot of the first release is a CSV snapshot, kept whole.
    expect(
      await temp.query("select partner_id, as_of, cast(admin_users as text) as admins, security_contact, source, contact_status, details from security_snapshots"),
    ).toEqual([{ partner_id: '4010001', as_of: '2026-10-01', admins: '5', security_contact: 'soc@example.com', source: 'csv', contact_status: null, details: null }]);
  });

  it.runIf(engine === 'postgres')('compares transaction ids and invoice numbers byte by byte on PostgreSQL, and an upgrade keeps their lines', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    const collations = async () =>
      temp!.query<{ name: string; collation: string }>(
        "select a.attname as name, coalesce(c.collname, '') as collation from pg_attribute a left join pg_collation c on c.oid = a.attcollation where a.attrelid = 'revenue_lines'::regclass and a.attname in ('transaction_id', 'invoice_number') order by 1",
      );
    expect(await collations()).toEqual([
      { name: 'invoice_number', collation: 'C' },
      { name: 'transaction_id', collation: 'C' },
    ]);
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0008-totals-trigger-per-statement')).error).toBeUndefined();
    expect(await collations()).toEqual([
      { name: 'invoice_number', collation: 'default' },
      { name: 'transaction_id', collation: 'default' },
    ]);
    await temp.query(
      "insert into revenue_lines (partner_id, charge_date, amount_micro, currency, transaction_id, invoice_number, batch_id) values ('4010001', '2026-09-03', 1000000, 'JPY', 'Tx-é', null, 1), ('4010001', '2026-09-04', 2000000, 'JPY', null, 'G-1', 1)",
    );
    expect(await migrateToLatest(store.db)).toEqual(['0009-revenue-keys-bytewise', '0010-revenue-line-ids-cached']);
    expect((await collations()).map((row) => row.collation)).toEqual(['C', 'C']);
    // The indexes were rebuilt under the new collation and still find the lines.
    expect(await temp.query("select cast(amount_micro as text) as amount from revenue_lines where transaction_id = 'Tx-é'")).toEqual([{ amount: '1000000' }]);
    expect(await temp.query("select cast(amount_micro as text) as amount from revenue_lines where invoice_number = 'G-1' and transaction_id is null")).toEqual([{ amount: '2000000' }]);
    await expect(temp.query("insert into revenue_lines (partner_id, charge_date, amount_micro, currency, transaction_id, batch_id) values ('4010001', '2026-09-05', 1, 'JPY', 'Tx-é', 1)")).rejects.toThrow(/revenue_lines_transaction/);
  });

  it.runIf(engine === 'postgres')('gives each PostgreSQL connection revenue line ids a thousand at a time, and an upgrade goes on from the last id', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    const cache = async () => (await temp!.query<{ cache: string }>("select cast(cache_size as text) as cache from pg_sequences where sequencename = 'revenue_lines_id_seq'"))[0]!.cache;
    expect(await cache()).toBe('1000');
    const migrator = new Migrator({ db: store.db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0009-revenue-keys-bytewise')).error).toBeUndefined();
    expect(await cache()).toBe('1');
    const line = "('4010001', '2026-09-03', 1000000, 'JPY', 1)";
    const insert = `insert into revenue_lines (partner_id, charge_date, amount_micro, currency, batch_id) values ${line}, ${line} returning cast(id as text) as id`;
    const before = (await temp.query<{ id: string }>(insert)).map((row) => Number(row.id));
    await migrateToLatest(store.db);
    expect(await cache()).toBe('1000');
    const after = (await temp.query<{ id: string }>(insert)).map((row) => Number(row.id));
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before));
  });

  it.runIf(engine === 'sqlite')('opens SQLite in WAL mode, with temporary data in memory', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    expect(store.sqlite!.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2: statement journals stay in memory instead of spilling every multi-row insert to a file.
    expect(store.sqlite!.pragma('temp_store', { simple: true })).toBe(2);
  });

  it.runIf(engine === 'sqlite')('makes a new SQLite file with 16 KiB pages, and opens one with 4 KiB pages as it is', async () => {
    temp = await createTestDatabase(engine);
    const store = await temp.openStore();
    expect(store.sqlite!.pragma('page_size', { simple: true })).toBe(16_384);
    await store.close();

    const older = path.join(temp.dir, 'older.sqlite');
    const made = new BetterSqlite3(older);
    made.pragma('journal_mode = WAL');
    made.exec('create table kept (n integer)');
    made.exec('insert into kept values (7)');
    made.close();
    const reopened = await openStore({ kind: 'sqlite', file: older });
    expect(reopened.sqlite!.pragma('page_size', { simple: true })).toBe(4096);
    expect(reopened.sqlite!.prepare('select n from kept').pluck().get()).toBe(7);
    await reopened.close();
  });
});
