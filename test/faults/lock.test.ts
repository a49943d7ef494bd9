import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { ENGINES, type TestDatabase } from '../helpers/engines.js';
import { type FaultSetUp, setUpFaults } from '../helpers/fault-setup.js';
import type { FaultySmtpServer } from '../helpers/faulty-smtp.js';
import { holdLock } from '../helpers/hold-lock.js';
import { spawnCli } from '../helpers/spawn-cli.js';

const AS_OF = '2026-10-15';
const NOTICES = 10; // eight partners decided, one warned of its January renewal, and the operations summary

/**
 * The lock dies with its process, on any host: a run killed with SIGKILL never blocks the next one,
 * which starts at once, marks the dead run `interrupted` and carries on; a live holder is named.
 */
describe.each(ENGINES)('the run lock on %s', (engine) => {
  let f: FaultSetUp;
  let temp: TestDatabase;
  let smtp: FaultySmtpServer;
  let env: Record<string, string>;
  afterEach(() => f?.cleanup());
  const setUp = async () => {
    f = await setUpFaults(engine);
    ({ temp, smtp, env } = f);
    expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);
  };
  const runs = async () => JSON.parse((await runCli(['runs', '--json'], env)).stdout) as Array<{ id: number; status: string; error: string | null }>;

  it('a run killed with SIGKILL mid-send: `runs` shows it interrupted, and a run started at once succeeds and marks it so', async () => {
    await setUp();
    smtp.replyDelayMs = 300;
    const killed = spawnCli(['run', '--as-of', AS_OF], env);
    smtp.onAccepted = () => killed.child.kill('SIGKILL');
    expect(await killed.exit).toBeNull();
    smtp.onAccepted = () => undefined;
    smtp.replyDelayMs = 0;

    // Nothing is left `running` in what an operator sees, before any other run has started.
    const [dead] = await runs();
    expect(dead).toMatchObject({ status: 'interrupted' });
    expect(dead!.error).toMatch(/process ended before the run finished/);

    const next = spawnCli(['run', '--as-of', AS_OF], env);
    expect(await next.exit).toBe(0);
    expect(next.stderr()).toMatch(/recovered a stale run lock/);
    expect(await temp.query('select id, status from runs order by id')).toEqual([
      { id: engine === 'sqlite' ? dead!.id : String(dead!.id), status: 'interrupted' },
      { id: engine === 'sqlite' ? dead!.id + 1 : String(dead!.id + 1), status: 'completed' },
    ]);
    expect(await temp.query('select * from run_locks')).toEqual([]);
    const received = new Set(smtp.received.map((m) => m.messageId));
    const recorded = (await temp.query<{ message_id: string; status: string }>('select message_id, status from notices')).map((n) => [n.message_id, n.status]);
    expect(recorded).toHaveLength(NOTICES);
    for (const [messageId, status] of recorded) {
      expect(status).toBe('sent');
      expect(received.has(messageId!)).toBe(true);
    }
  });

  it('a holder that has not named itself yet is given a moment: a run behind an import that is just starting waits for it', async () => {
    await setUp();
    const held = await holdLock(temp);
    let released = false;
    try {
      const waiting = spawnCli(['run', '--as-of', AS_OF], { ...env, DATABASE_LOCK_TIMEOUT_SECONDS: '60' });
      // The import names itself only after it has taken the lock, and leaves its row before it lets go.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const stamp = new Date().toISOString();
      await temp.query('insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values (?, ?, ?, ?, ?, ?)', ['run', 0, 'c0ffee:8', stamp, stamp, 'import of revenue x.csv']);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await temp.query('delete from run_locks');
      await held.release();
      released = true;
      expect(await waiting.exit).toBe(0);
    } finally {
      if (!released) await held.release();
    }
  });

  it('a run waiting behind an import gives it a moment between leaving its row and letting go of the lock', async () => {
    await setUp();
    const held = await holdLock(temp);
    let released = false;
    try {
      const stamp = new Date().toISOString();
      await temp.query('insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values (?, ?, ?, ?, ?, ?)', ['run', 0, 'c0ffee:8', stamp, stamp, 'import of revenue x.csv']);
      const waiting = spawnCli(['run', '--as-of', AS_OF], { ...env, DATABASE_LOCK_TIMEOUT_SECONDS: '60' });
      // Long enough for the run to be waiting behind the named import for well over a second.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await temp.query('delete from run_locks');
      // The import's last moment, stretched: its row is gone, the lock not yet free.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await held.release();
      released = true;
      expect(await waiting.exit).toBe(0);
      expect(await temp.query("select status from runs")).toEqual([{ status: 'completed' }]);
    } finally {
      if (!released) await held.release();
    }
  });

  it('a run while another process holds the lock exits 3 naming the holder, and records nothing', async () => {
    await setUp();
    const held = await holdLock(temp);
    try {
      const stamp = '2026-10-15T05:59:00.000Z';
      await temp.query('insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values (?, ?, ?, ?, ?, ?)', ['run', 41, 'c0ffee:7', stamp, stamp, 'run 41']);
      const locked = spawnCli(['run', '--as-of', AS_OF], env);
      expect(await locked.exit).toBe(3);
      expect(locked.stderr()).toMatch(/^error: another run holds the lock \(.*run 41, c0ffee:7, since 2026-10-15T05:59:00.000Z\); nothing was recorded; try again when it has finished\n$/);
      expect(await temp.query('select count(*) as n from decisions')).toEqual([{ n: engine === 'sqlite' ? 0 : '0' }]);
    } finally {
      await held.release();
    }
  });
});
