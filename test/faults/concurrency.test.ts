import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { importPartnersFailingMfa, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { type FaultSetUp, setUpFaults, until } from '../helpers/fault-setup.js';
import { writeBulkRevenue, writeDuePartners } from '../helpers/generated-partners.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const AS_OF = '2026-10-15';
const ROUNDS = 5;
/** The sample's eight partner notices, sixty more partners told to move, and the operations summary. */
const EXTRA_PARTNERS = 60;
/** The sample's eight decided partners and one warned, the extra partners, and the summary. */
const NOTICES = 9 + EXTRA_PARTNERS + 1;

/**
 * Two commands at once on one database, as cron and an operator start them: a large import while
 * a run is sending to a slow mail server, and a run while an import is in progress. They take
 * turns under one lock; no message the server accepted goes unrecorded, so none is sent twice.
 */
describe.each(ENGINES)('a run and an import at once, on %s', (engine) => {
  let f: FaultSetUp;
  afterEach(() => f?.cleanup());
  const bulkFile = (lines: number) => writeBulkRevenue(path.join(f.temp.dir, 'revenue-bulk.csv'), lines);
  const bulkImported = async () => (await f.number("select count(*) as n from import_batches where file_name like '%revenue-bulk.csv'")) === 1;

  for (let round = 1; round <= ROUNDS; round++) {
    // Odd rounds: the import gives up after 1 s (exit 3); even rounds: it waits for the run to finish.
    const lockTimeout = round % 2 === 1 ? '1' : '60';
    it(`round ${round}: an import started while the run sends (DATABASE_LOCK_TIMEOUT_SECONDS=${lockTimeout}) waits its turn; 0 repeated Message-IDs, every notice received`, async () => {
      f = await setUpFaults(engine);
      const env = { ...f.env, DATABASE_LOCK_TIMEOUT_SECONDS: lockTimeout };
      expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);
      expect(await importPartnersFailingMfa(f.temp.dir, env, EXTRA_PARTNERS, (i) => `55${String(i).padStart(5, '0')}`)).toBeNull();
      const file = bulkFile(80_000);
      f.smtp.replyDelayMs = 200;

      const running = spawnCli(['run', '--as-of', AS_OF], env);
      const imported = new Promise<{ code: number | null; stderr: string }>((resolve) => {
        let started = false;
        f.smtp.onAccepted = () => {
          if (started) return;
          started = true;
          // Soon after the first message was accepted, a little later each round.
          setTimeout(() => {
            const importing = spawnCli(['import', 'revenue', file], env);
            void importing.exit.then((code) => resolve({ code, stderr: importing.stderr() }));
          }, 100 * round);
        };
      });
      expect(await running.exit).toBe(0);
      const importing = await imported;
      if (importing.code === 3) {
        expect(importing.stderr).toMatch(/^error: a run holds the lock \(.*run \d+, [^,]+, since [^)]+\) after waiting 1 s \(DATABASE_LOCK_TIMEOUT_SECONDS\); nothing was imported; try again when it has finished\n$/);
        expect(await bulkImported()).toBe(false);
        expect(lockTimeout).toBe('1');
        expect((await runCli(['import', 'revenue', file], env)).code).toBe(0);
      } else {
        expect(importing.code).toBe(0);
      }
      expect(await bulkImported()).toBe(true);

      f.smtp.replyDelayMs = 0;
      expect(await spawnCli(['run', '--as-of', AS_OF], env).exit).toBe(0);
      const received = f.smtp.received.map((m) => m.messageId!);
      expect(received.length - new Set(received).size).toBe(0);
      await f.expectEachReceivedOnce(NOTICES);
      expect(await f.temp.query("select status from runs where status <> 'completed'")).toEqual([]);
    }, 120_000);
  }

  it('a run while an import is in progress waits for it, or exits 3 naming it once DATABASE_LOCK_TIMEOUT_SECONDS has passed', async () => {
    f = await setUpFaults(engine);
    expect((await runCli(['import', SAMPLE_DIR], f.env)).code).toBe(0);
    // Long enough to outlast a second run's start and its one-second wait.
    const importing = spawnCli(['import', 'revenue', bulkFile(600_000)], f.env);
    await until(async () => (await f.temp.query("select 1 from run_locks where task like 'import of %'")).length > 0, 'the import to take the lock');

    const refused = spawnCli(['run', '--as-of', AS_OF], { ...f.env, DATABASE_LOCK_TIMEOUT_SECONDS: '1' });
    expect(await refused.exit).toBe(3);
    expect(refused.stderr()).toMatch(/^error: an import holds the lock \(.*import of revenue .*revenue-bulk\.csv, [^,]+, since [^)]+\) after waiting 1 s \(DATABASE_LOCK_TIMEOUT_SECONDS\); nothing was recorded; try again when it has finished\n$/);
    expect(await f.number('select count(*) as n from runs')).toBe(0);

    const waiting = spawnCli(['run', '--as-of', AS_OF], { ...f.env, DATABASE_LOCK_TIMEOUT_SECONDS: '120' });
    expect(await importing.exit).toBe(0);
    expect(await waiting.exit).toBe(0);
    expect(await bulkImported()).toBe(true);
    await f.expectEachReceivedOnce(10); // with the warning of Tailspin's January renewal
  }, 120_000);

  it.runIf(engine === 'sqlite')('a run that cannot record its next batch (another process holds the write lock) says truthfully what it kept; its row is not left running', async () => {
    f = await setUpFaults(engine);
    const generated = writeDuePartners(f.temp.dir, 3_000, { prefix: '9', failEvery: 30 });
    expect((await runCli(['import', generated.dir], f.env)).code).toBe(0);
    const env = { ...f.env, DATABASE_LOCK_TIMEOUT_SECONDS: '1' };
    const running = spawnCli(['run', '--as-of', AS_OF], env);
    await until(async () => (await f.number('select count(*) as n from decisions')) > 0, 'the first batch of decisions');
    const writer = new BetterSqlite3(f.temp.databaseUrl);
    writer.exec('BEGIN IMMEDIATE');
    try {
      expect(await running.exit).toBe(3);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
    const line = /^error: the database is locked by another process \(database is locked\); kept: ([\d,]+) decisions recorded for ([\d,]+) partners, 0 notices sent and recorded; try again when it has finished$/.exec(
      running.stderr().trim().split('\n').pop()!,
    );
    expect(line, running.stderr()).not.toBeNull();
    expect(await f.number('select count(*) as n from decisions')).toBe(Number(line![1]!.replace(/,/g, '')));
    // Its row could not be written either: shown as interrupted, and marked so by the next run.
    expect(JSON.parse((await runCli(['runs', '--json'], env)).stdout)).toMatchObject([{ status: 'interrupted' }]);
    expect(await spawnCli(['run', '--as-of', AS_OF], env).exit).toBe(0);
    expect((await f.temp.query<{ status: string }>('select status from runs order by id')).map((r) => r.status)).toEqual(['interrupted', 'completed']);
    await f.expectEachReceivedOnce(generated.failing.length + 1);
  }, 120_000);
});
