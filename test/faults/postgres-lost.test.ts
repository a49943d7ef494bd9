import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SMTP_LANES } from '../../src/mail/mailer.js';
import { importPartnersFailingMfa, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { type FaultSetUp, setUpFaults, until } from '../helpers/fault-setup.js';
import { writeBulkRevenue } from '../helpers/generated-partners.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const AS_OF = '2026-10-15';
const EXTRA_PARTNERS = 40;
/** The sample's eight decided partners and one warned, the extra partners, and the summary. */
const NOTICES = 9 + EXTRA_PARTNERS + 1;
const LOCK_PIDS =
  "select pid from pg_locks where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())";

/**
 * The database server ends a connection under a running command (`pg_terminate_backend`, as a
 * failover or an administrator does): the process never crashes. Losing the run's lock stops
 * the run (another may start), with one line and exit 4; losing another connection is ridden over;
 * an import rolls back and says nothing was imported.
 */
describe.runIf(ENGINES.includes('postgres'))('a PostgreSQL connection lost under a command', () => {
  let f: FaultSetUp;
  let admin: pg.Client | null = null;
  afterEach(async () => {
    await admin?.end();
    admin = null;
    await f?.cleanup();
  });

  const setUp = async () => {
    f = await setUpFaults('postgres');
    admin = new pg.Client({ connectionString: f.temp.databaseUrl });
    await admin.connect();
    expect((await runCli(['import', SAMPLE_DIR], f.env)).code).toBe(0);
    expect(await importPartnersFailingMfa(f.temp.dir, f.env, EXTRA_PARTNERS, (i) => `56${String(i).padStart(5, '0')}`)).toBeNull();
  };
  const terminate = async (which: 'the lock' | 'all but the lock') => {
    const lockPids = (await admin!.query<{ pid: number }>(LOCK_PIDS)).rows.map((row) => row.pid);
    expect(lockPids).toHaveLength(1);
    const sql =
      which === 'the lock'
        ? 'select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1::int[])'
        : 'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and not (pid = any($1::int[]))';
    await admin!.query(sql, [lockPids]);
  };
  /** Once the run has sent a first message, `action`; resolves with the run's exit code and output. */
  const runAndThen = async (action: () => Promise<void>) => {
    f.smtp.replyDelayMs = 150;
    const running = spawnCli(['run', '--as-of', AS_OF], f.env);
    let acted: Promise<void> | null = null;
    f.smtp.onAccepted = () => {
      acted ??= action();
    };
    const code = await running.exit;
    await acted;
    f.smtp.onAccepted = () => undefined;
    f.smtp.replyDelayMs = 0;
    return { code, stderr: running.stderr() };
  };
  const expectNoCrash = (stderr: string) => {
    expect(stderr).not.toMatch(/Unhandled|internal error|Warning|\n\s+at /);
  };
  /** The next run carries on: every notice received, repeats only of sends cut off under way. */
  const expectNextRunCarriesOn = async (repeatsAllowed: number) => {
    expect(await spawnCli(['run', '--as-of', AS_OF], f.env).exit).toBe(0);
    const received = f.smtp.received.map((m) => m.messageId!);
    const recorded = (await f.temp.query<{ message_id: string }>("select message_id from notices where status = 'sent' order by 1")).map((n) => n.message_id);
    expect(recorded).toHaveLength(NOTICES);
    expect([...new Set(received)].sort()).toEqual(recorded);
    expect(received.length - recorded.length).toBeLessThanOrEqual(repeatsAllowed);
    expect(await f.temp.query("select status from runs where status = 'running'")).toEqual([]);
  };

  it('the run lock connection is terminated mid-send: the run stops sending, is marked failed, exit 4 with one line; the next run carries on', async () => {
    await setUp();
    const { code, stderr } = await runAndThen(() => terminate('the lock'));
    expect(code).toBe(4);
    expectNoCrash(stderr);
    const last = stderr.trim().split('\n').pop()!;
    expect(last).toMatch(
      /^error: the connection to PostgreSQL that held the run lock was lost \(terminating connection due to administrator command\); kept: 51 decisions recorded for 50 partners, \d+ notices? sent and recorded; no further notice was sent; run again once the server is back: the next run carries on where this one stopped$/,
    );
    const sentBefore = Number(/(\d+) notices? sent and recorded/.exec(last)![1]);
    expect(sentBefore).toBeLessThan(NOTICES);
    expect(await f.number("select count(*) as n from notices where status = 'sent'")).toBe(sentBefore);
    const [run] = await f.temp.query<{ status: string; error: string }>('select status, error from runs');
    expect(run!.status).toBe('failed');
    expect(run!.error).toContain('held the run lock was lost');
    expect(await f.temp.query('select * from run_locks')).toEqual([]);
    // A send cut off under way may have been accepted by the server before the cut.
    await expectNextRunCarriesOn(SMTP_LANES);
  }, 90_000);

  it('the other pooled connections are terminated mid-send: the run rides over it and finishes, or stops with exit 4; never a crash', async () => {
    await setUp();
    const { code, stderr } = await runAndThen(() => terminate('all but the lock'));
    expectNoCrash(stderr);
    if (code === 4) expect(stderr.trim().split('\n').pop()).toMatch(/^error: the (connection to PostgreSQL was lost|PostgreSQL server failed the connection|connection to the database server was reset) .*; kept: .*; fix it and run again/);
    else expect(code).toBe(0);
    await expectNextRunCarriesOn(code === 0 ? 0 : SMTP_LANES);
  }, 90_000);

  it.each([
    ['once it holds the lock', "select 1 from run_locks where task like 'import of %'", 500],
    ['in the middle of its COPY', "select 1 from pg_stat_activity where datname = current_database() and state = 'active' and query like 'COPY revenue_lines%'", 0],
  ])('every connection of an import is terminated %s: it rolls back, exit 4, "nothing was imported", the database unchanged', async (_when, started, waitMs) => {
    await setUp();
    const counts = 'select (select count(*) from revenue_lines) as lines, (select count(*) from import_batches) as batches, (select count(*) from revenue_totals) as totals';
    const before = await f.temp.query(counts);
    const file = writeBulkRevenue(path.join(f.temp.dir, 'revenue-bulk.csv'), 400_000);
    const importing = spawnCli(['import', 'revenue', file], f.env);
    await until(async () => (await f.temp.query(started)).length > 0, 'the import to start');
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    await admin!.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    expect(await importing.exit).toBe(4);
    expectNoCrash(importing.stderr());
    expect(importing.stderr().trim().split('\n')).toHaveLength(1);
    expect(importing.stderr()).toMatch(/^error: .*(PostgreSQL|database server).*; nothing was imported \(an import is all or nothing: it was rolled back\); .*import again.*\n$/);
    expect(await f.temp.query(counts)).toEqual(before);
    expect(await spawnCli(['import', 'revenue', file], f.env).exit).toBe(0);
  }, 90_000);
});
