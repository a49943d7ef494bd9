import { cpSync, existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SMTP_LANES } from '../../src/mail/mailer.js';
import { SAMPLE_DIR } from '../helpers/cli.js';
import { spawnCli } from '../helpers/spawn-cli.js';
import { startFaultySmtpServer } from '../helpers/faulty-smtp.js';
import { tempDir } from '../helpers/temp-store.js';

/**
 * SIGKILL at chosen points of real processes over the sample data, then a restart, then the
 * invariants: every due cycle decided exactly once with the outcome an undisturbed run gives,
 * every partner notice recorded once and received under its Message-ID, every decision reported to
 * operations, and an import either wholly there or not at all.
 */
const AS_OF = '2026-10-15';

type KillPoint =
  | 'during import'
  | 'while deciding'
  | 'between decision and send'
  | 'mid-send, before the server accepted'
  | 'mid-send, after the server accepted';
const KILL_POINTS: KillPoint[] = [
  'during import',
  'while deciding',
  'between decision and send',
  'mid-send, before the server accepted',
  'mid-send, after the server accepted',
];
const ROUNDS_PER_POINT = 3;

interface Outcomes {
  cycles: Record<string, string>;
  partnersNotified: string[];
}

function readDb<T>(file: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** Resolves once the SQLite database at `file` has been opened and written to (its write-ahead log holds something). */
async function databaseWritten(file: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 30_000; await new Promise((resolve) => setTimeout(resolve, 2))) {
    if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) return;
  }
  throw new Error(`${file} was never written`);
}

function outcomesOf(file: string): Outcomes {
  return readDb(file, (db) => ({
    cycles: Object.fromEntries(
      (db.prepare('select partner_id, trigger, cycle, outcome from cycles order by 1, 2, 3').all() as Array<Record<string, string>>).map((r) => [
        `${r.partner_id} ${r.trigger} ${r.cycle}`,
        r.outcome!,
      ]),
    ),
    partnersNotified: (db.prepare("select partner_id from notices where audience = 'partner' order by 1").all() as Array<{ partner_id: string }>).map((r) => r.partner_id),
  }));
}

describe('SIGKILL at every stage, then a restart', () => {
  const tally: Record<string, number> = {};
  let duplicatesSeen = 0;
  afterAll(() => {
    process.stderr.write(`kill points tried: ${JSON.stringify(tally)}; messages received a second time (same Message-ID) after a kill mid-send: ${duplicatesSeen}\n`);
  });

  const setUp = async () => {
    const temp = tempDir();
    const smtp = await startFaultySmtpServer();
    const env = {
      DATABASE_URL: path.join(temp.dir, 'reeval.sqlite'),
      SMTP_URL: smtp.url,
      OPS_EMAIL: 'csp-ops@example.com',
      MAIL_FROM: 'CSP Programme <csp-programme@example.com>',
    };
    return { temp, smtp, env };
  };
  const importAll = async (env: Record<string, string>) => expect(await spawnCli(['import', SAMPLE_DIR], env).exit).toBe(0);
  const runToEnd = async (env: Record<string, string>) => spawnCli(['run', '--as-of', AS_OF, '--json'], env).exit;

  let reference: Outcomes;
  /** How long an undisturbed import of the folder spends importing, after its process has started and opened the database. */
  let undisturbedImportMs: number | undefined;
  const timeImport = async (folder: string, database: string) => {
    const importing = spawnCli(['import', folder], { DATABASE_URL: database });
    await databaseWritten(database);
    const started = Date.now();
    expect(await importing.exit).toBe(0);
    return Date.now() - started;
  };

  it('an undisturbed run gives the reference outcomes', async () => {
    const { temp, smtp, env } = await setUp();
    try {
      await importAll(env);
      expect(await runToEnd(env)).toBe(0);
      reference = outcomesOf(env.DATABASE_URL);
      expect(Object.keys(reference.cycles)).toHaveLength(11);
      // Eight partners told of their decisions, one warned of its January renewal.
      expect(reference.partnersNotified).toHaveLength(9);
      expect(smtp.received).toHaveLength(10);
    } finally {
      await smtp.close();
      temp.cleanup();
    }
  });

  for (const point of KILL_POINTS) {
    for (let round = 0; round < ROUNDS_PER_POINT; round++) {
      it(`killed ${point} (round ${round + 1}): nothing lost, nothing decided or sent twice`, async () => {
        const { temp, smtp, env } = await setUp();
        try {
          if (point === 'during import') {
            // A folder with a large revenue file (for a PGA outside the programme, so the outcomes stay
            // those of the reference), so that the kill lands inside the folder's one transaction.
            const folder = path.join(temp.dir, 'incoming');
            cpSync(SAMPLE_DIR, folder, { recursive: true });
            const lines = ['transaction_id,partner_id,charge_date,amount,currency'];
            for (let n = 0; n < 200_000; n++) lines.push(`BULK-${n},9990001,2026-0${(n % 9) + 1}-15,${n % 997}.25,USD`);
            writeFileSync(path.join(folder, 'revenue-bulk.csv'), `${lines.join('\n')}\n`);
            undisturbedImportMs ??= await timeImport(folder, path.join(temp.dir, 'timing.sqlite'));
            const importing = spawnCli(['import', folder], env);
            // Killed at 20%, 35% or 50% of the time an undisturbed import of the same folder takes
            // here once its database is open (the process's start-up varies more than the import),
            // so that a faster or slower machine still lands inside its one transaction, well
            // before its commit.
            await databaseWritten(env.DATABASE_URL);
            setTimeout(() => importing.child.kill('SIGKILL'), undisturbedImportMs * [0.2, 0.35, 0.5][round]!);
            expect(await importing.exit).toBeNull();
            expect(existsSync(env.DATABASE_URL)).toBe(true);
            const counts = readDb(env.DATABASE_URL, (db) => ({
              batches: (db.prepare('select count(*) as n from import_batches').get() as { n: number }).n,
              partners: (db.prepare('select count(*) as n from partners').get() as { n: number }).n,
              lines: (db.prepare('select count(*) as n from revenue_lines').get() as { n: number }).n,
            }));
            expect(counts).toEqual({ batches: 0, partners: 0, lines: 0 });
            expect(await spawnCli(['import', folder], env).exit).toBe(0);
            expect(await runToEnd(env)).toBe(0);
          } else {
            await importAll(env);
            const running = spawnCli(['run', '--as-of', AS_OF, '--json'], env);
            const kill = () => running.child.kill('SIGKILL');
            // Which message to die on varies by round, so that first, middle and later sends are hit.
            const target = [1, 4, 7][round]!;
            let messages = 0;
            if (point === 'while deciding') running.onLine((line) => line.includes('cycle(s) due') && setTimeout(kill, round * 15));
            if (point === 'between decision and send') smtp.onConnection = kill;
            if (point === 'mid-send, before the server accepted') {
              smtp.onMessage = () => {
                if (++messages === target) kill();
                return messages === target ? '451 4.3.0 the client is gone' : null;
              };
            }
            if (point === 'mid-send, after the server accepted') smtp.onAccepted = () => ++messages === target && kill();
            // null: ended by the signal, not by finishing first
            const killed = (await running.exit) === null;
            if (!killed) tally[`${point} (finished before the kill)`] = (tally[`${point} (finished before the kill)`] ?? 0) + 1;
            if (point !== 'while deciding') expect(killed).toBe(true);
            smtp.onConnection = () => undefined;
            smtp.onMessage = () => null;
            smtp.onAccepted = () => undefined;
            expect(await runToEnd(env)).toBe(0);
          }
          tally[point] = (tally[point] ?? 0) + 1;

          expect(outcomesOf(env.DATABASE_URL)).toEqual(reference);
          const state = readDb(env.DATABASE_URL, (db) => ({
            decisionsPerCycle: (db.prepare('select count(*) as n from decisions group by cycle_id').all() as Array<{ n: number }>).map((r) => r.n),
            unsent: (db.prepare("select count(*) as n from notices where status <> 'sent'").get() as { n: number }).n,
            messageIds: (db.prepare('select message_id from notices order by 1').all() as Array<{ message_id: string }>).map((r) => r.message_id),
            unreported: (
              db
                .prepare(
                  "select count(*) as n from decisions d where not exists (select 1 from notice_decisions nd join notices n on n.id = nd.notice_id where nd.decision_id = d.id and n.audience = 'ops')",
                )
                .get() as { n: number }
            ).n,
          }));
          expect(state.decisionsPerCycle.every((n) => n === 1)).toBe(true);
          expect(state.decisionsPerCycle).toHaveLength(11);
          expect(state.unsent).toBe(0);
          expect(state.unreported).toBe(0);
          // Every notice arrived under its Message-ID; none arrived that was not recorded.
          const received = smtp.received.map((m) => m.messageId!);
          expect([...new Set(received)].sort()).toEqual(state.messageIds);
          const duplicates = received.length - new Set(received).size;
          // Only a kill while sending can repeat a message: one the server accepted but whose
          // acceptance was not recorded yet, at most one per send lane, and always under its own
          // Message-ID, by which the receiving side knows it.
          expect(duplicates).toBeLessThanOrEqual(point.startsWith('mid-send') ? SMTP_LANES : 0);
          duplicatesSeen += duplicates;
        } finally {
          await smtp.close();
          temp.cleanup();
        }
      });
    }
  }
});
