import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { type FaultSetUp, setUpFaults, until } from '../helpers/fault-setup.js';
import { writeBulkRevenue, writeDuePartners } from '../helpers/generated-partners.js';
import { type SpawnedCli, spawnCli } from '../helpers/spawn-cli.js';

const AS_OF = '2026-10-15';
/** SPEC §5: SIGTERM or SIGINT stops a run (or an import) within 2 seconds, whatever it is doing. */
const STOP_WITHIN_MS = 2_000;

/** Sends `signal` and resolves with the exit code and the milliseconds the process took to end. */
async function stop(spawned: SpawnedCli, signal: NodeJS.Signals): Promise<{ code: number | null; millis: number; lastLine: string }> {
  const sent = Date.now();
  spawned.child.kill(signal);
  const code = await spawned.exit;
  return { code, millis: Date.now() - sent, lastLine: spawned.stderr().trim().split('\n').pop() ?? '' };
}

/**
 * Real signals to the built command in a process of its own, as Docker's stop or a Ctrl-C sends
 * them: while it decides thousands of partners, while it waits on a mail server that never
 * answers, and in the middle of a large import. Each time it ends within 2 s with 143 or 130,
 * says what it kept, leaves no run `running`, and the next run carries on and sends each notice once.
 */
describe.each(ENGINES)('stopped by a signal, on %s', (engine) => {
  let f: FaultSetUp;
  afterEach(() => f?.cleanup());
  /** The sample data imported, and `args` started against a mail server that never answers: resolves once it is sending. */
  const startAgainstMuteServer = async (args: string[], extraEnv: Record<string, string> = {}) => {
    f = await setUpFaults(engine);
    expect((await runCli(['import', SAMPLE_DIR], f.env)).code).toBe(0);
    f.smtp.behaviour = { kind: 'silent' };
    const connected = new Promise<void>((resolve) => (f.smtp.onConnection = resolve));
    const spawned = spawnCli(args, { ...f.env, ...extraEnv });
    await connected;
    return spawned;
  };

  it('SIGTERM while deciding 6,000 partners: the batch in hand is recorded, nothing is sent, exit 143 within 2 s; the next run sends each notice once', async () => {
    f = await setUpFaults(engine);
    const { temp, env, number, smtp } = f;
    // Every 20th partner fails MFA and is told to move; the others need review and are told nothing.
    const generated = writeDuePartners(temp.dir, 6_000, { prefix: '8', failEvery: 20 });
    expect((await runCli(['import', generated.dir], env)).code).toBe(0);

    const running = spawnCli(['run', '--as-of', AS_OF], env);
    await until(async () => (await number('select count(*) as n from decisions')) > 0, 'the first batch of decisions');
    const stopped = await stop(running, 'SIGTERM');
    expect(stopped.code).toBe(143);
    expect(stopped.millis).toBeLessThan(STOP_WITHIN_MS);

    const line = /^stopped: by SIGTERM before the run finished; kept: ([\d,]+) decisions recorded for ([\d,]+) partners, 0 notices sent and recorded; ([\d,]+) partners not yet decided and ([\d,]+) notices? waiting in the outbox go with the next run$/.exec(stopped.lastLine);
    expect(line, stopped.lastLine).not.toBeNull();
    const [decided, partners, undecided, waiting] = line!.slice(1).map((text) => Number(text.replace(/,/g, '')));
    expect(decided).toBeLessThan(6_000);
    expect(partners).toBe(decided);
    expect(undecided).toBe(6_000 - decided!);
    // What the line says is what the database holds: every decision whole, with its cycle and notice.
    expect(await number('select count(*) as n from decisions')).toBe(decided);
    expect(await number('select count(*) as n from cycles c join decisions d on d.id = c.last_decision_id and d.outcome = c.outcome')).toBe(decided);
    const toldToMove = await number("select count(*) as n from decisions where outcome = 'transition_required'");
    expect(toldToMove).toBe(waiting);
    expect(await number("select count(*) as n from notices n join notice_decisions nd on nd.notice_id = n.id where n.status = 'pending' and n.attempts = 0")).toBe(toldToMove);
    expect(await temp.query('select status from runs')).toEqual([{ status: 'stopped' }]);
    expect(smtp.received).toHaveLength(0);

    const next = spawnCli(['run', '--as-of', AS_OF], env);
    expect(await next.exit).toBe(0);
    expect(await number('select count(*) as n from cycles')).toBe(6_000);
    expect(await number('select count(*) as n from (select cycle_id from decisions group by cycle_id having count(*) > 1) repeated')).toBe(0);
    // 300 partners told to move, and one operations summary covering both runs.
    await f.expectEachReceivedOnce(generated.failing.length + 1);
  }, 180_000);

  it('SIGINT while every send waits on a mail server that never answers: cut off after a short grace, exit 130 within 2 s; the next run sends each once', async () => {
    const running = await startAgainstMuteServer(['run', '--as-of', AS_OF]);
    const { temp, env, smtp } = f;
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = await stop(running, 'SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.millis).toBeLessThan(STOP_WITHIN_MS);
    expect(running.stderr()).not.toMatch(/Warning|\n\s+at /);
    expect(stopped.lastLine).toBe(
      'stopped: by SIGINT before the run finished; kept: 11 decisions recorded for 10 partners, 0 notices sent and recorded; 9 notices waiting in the outbox go with the next run',
    );
    // The sends that were cut off leave their notices as they were: pending, never tried.
    expect(await temp.query("select count(*) as n from notices where status = 'pending' and attempts = 0")).toEqual([{ n: engine === 'sqlite' ? 9 : '9' }]);
    expect(await temp.query('select status from runs')).toEqual([{ status: 'stopped' }]);

    smtp.behaviour = { kind: 'normal' };
    const next = spawnCli(['run', '--as-of', AS_OF], env);
    expect(await next.exit).toBe(0);
    // Eight partners told of their decisions, one warned of its January renewal, and the summary.
    await f.expectEachReceivedOnce(10);
  }, 60_000);

  it('a second signal stops at once; the run it leaves behind is shown and marked interrupted, and the next run carries on', async () => {
    const running = await startAgainstMuteServer(['run', '--as-of', AS_OF]);
    const { temp, env, smtp } = f;
    running.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = await stop(running, 'SIGTERM');
    expect(stopped.code).toBe(143);
    // Well before the first signal's grace for the sends under way would have ended.
    expect(stopped.millis).toBeLessThan(500);
    expect(JSON.parse((await runCli(['runs', '--json'], env)).stdout)).toMatchObject([{ status: 'interrupted' }]);

    smtp.behaviour = { kind: 'normal' };
    const next = spawnCli(['run', '--as-of', AS_OF], env);
    expect(await next.exit).toBe(0);
    expect((await temp.query<{ status: string }>('select status from runs order by id')).map((r) => r.status)).toEqual(['interrupted', 'completed']);
    // Eight partners told of their decisions, one warned of its January renewal, and the summary.
    await f.expectEachReceivedOnce(10);
  }, 60_000);

  it('SIGTERM in the middle of a large import: rolled back, "nothing was imported", exit 143 within 2 s; imported whole when run again', async () => {
    f = await setUpFaults(engine);
    const { temp, env } = f;
    expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);
    const before = await temp.query('select (select count(*) from revenue_lines) as lines, (select count(*) from import_batches) as batches, (select count(*) from revenue_totals) as totals');
    const file = writeBulkRevenue(path.join(temp.dir, 'revenue-bulk.csv'), 600_000);

    const importing = spawnCli(['import', 'revenue', file], env);
    await until(async () => (await temp.query("select 1 from run_locks where task like 'import of %'")).length > 0, 'the import to take the lock');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = await stop(importing, 'SIGTERM');
    expect(stopped.code).toBe(143);
    expect(stopped.millis).toBeLessThan(STOP_WITHIN_MS);
    expect(stopped.lastLine).toBe('stopped: by SIGTERM; nothing was imported (an import is all or nothing: it was rolled back); import it again');
    expect(await temp.query('select (select count(*) from revenue_lines) as lines, (select count(*) from import_batches) as batches, (select count(*) from revenue_totals) as totals')).toEqual(before);
    expect(await temp.query('select * from run_locks')).toEqual([]);

    const again = spawnCli(['import', 'revenue', file], env);
    expect(await again.exit).toBe(0);
    expect(again.stderr()).toMatch(/600,000 rows read, 600,000 inserted/);
  }, 120_000);

  it.runIf(engine === 'postgres')('SIGTERM while PostgreSQL replaces the lines of a large file in one long statement: it is cancelled, exit 143 within 2 s, the lines as they were', async () => {
    f = await setUpFaults(engine);
    const { temp, env } = f;
    expect((await runCli(['import', 'revenue', writeBulkRevenue(path.join(temp.dir, 'bulk.csv'), 300_000)], env)).code).toBe(0);
    const state = 'select (select count(*) from revenue_lines) as lines, (select sum(amount_micro) from revenue_lines) as amount, (select count(*) from import_batches) as batches, (select sum(amount_micro) from revenue_totals) as totals';
    const before = await temp.query(state);

    // The same keys again: each line is replaced, by the upsert from the staging table.
    const importing = spawnCli(['import', 'revenue', writeBulkRevenue(path.join(temp.dir, 'bulk-corrected.csv'), 300_000, 50)], env);
    const replacing = "select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query like 'INSERT INTO revenue_lines%'";
    await until(async () => (await temp.query(replacing)).length > 0, 'the replacing upsert to run');
    const stopped = await stop(importing, 'SIGTERM');
    expect(stopped.code).toBe(143);
    expect(stopped.millis).toBeLessThan(STOP_WITHIN_MS);
    expect(stopped.lastLine).toBe('stopped: by SIGTERM; nothing was imported (an import is all or nothing: it was rolled back); import it again');
    expect(await temp.query(state)).toEqual(before);
    expect(await temp.query('select * from run_locks')).toEqual([]);
  }, 120_000);

  it('schedule stopped by SIGTERM in the middle of its run: the run records what it decided and stops, the scheduler exits 0 within 2 s', async () => {
    const scheduler = await startAgainstMuteServer(['schedule'], { CRON_SCHEDULE: '0 6 * * *' });
    const { temp } = f;
    const stopped = await stop(scheduler, 'SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.millis).toBeLessThan(STOP_WITHIN_MS);
    expect(scheduler.stderr()).toMatch(/"msg":"run stopped by SIGTERM before the run finished; kept: \d+ decisions recorded for \d+ partners, 0 notices sent and recorded/);
    expect(JSON.parse(stopped.lastLine)).toMatchObject({ msg: 'scheduler stopped' });
    expect(await temp.query('select origin, status from runs')).toEqual([{ origin: 'scheduled', status: 'stopped' }]);
  }, 60_000);
});
