import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { InterruptedError, LockHeldError } from '../../src/errors.js';
import { acquireLock, currentHolder, DIED, type HeldLock, isLockFree, type LockRequest, type LockTask } from '../../src/run/lock.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import { holdLock } from '../helpers/hold-lock.js';

const NOW = new Date('2026-10-15T06:00:00Z');
const RUN: LockTask = { kind: 'run' };
const IMPORT: LockTask = { kind: 'import', what: 'revenue.csv' };

/**
 * The one lock that runs and imports share: who gives way at once and who waits, what a dead
 * holder leaves behind and how it is cleared, and the row that names the holder while it lives.
 */
describe.each(ENGINES)('the run lock on %s', (engine) => {
  let temp: TestDatabase | undefined;
  afterEach(async () => temp?.cleanup());

  async function setUp(): Promise<{ temp: TestDatabase; store: Store; other: Store }> {
    temp = await createTestDatabase(engine);
    return { temp, store: await temp.openStore(), other: await temp.openStore() };
  }

  const request = (task: LockTask, extra: Partial<LockRequest> = {}): LockRequest => ({ task, waitMs: 0, now: () => NOW, ...extra });
  /** The lock taken for `task` and named in run_locks as `recorded`. */
  async function holding(store: Store, task: LockTask, recorded: string, runId?: number): Promise<HeldLock> {
    const held = await acquireLock(store, request(task));
    await held.record(recorded, runId);
    return held;
  }
  const lockRows = () => temp!.query<{ holder: string; task: string | null; run_id: unknown }>('select holder, task, run_id from run_locks');

  it('is taken when free, shows as held until released, and names its holder only while recorded', async () => {
    const { store } = await setUp();
    expect(await isLockFree(store)).toBe(true);
    const held = await acquireLock(store, request(RUN));
    expect(await isLockFree(store)).toBe(false);
    expect(await lockRows()).toEqual([]);

    await held.record('run 7', 7);
    expect(await lockRows()).toEqual([{ holder: currentHolder(), task: 'run 7', run_id: engine === 'sqlite' ? 7 : expect.anything() }]);
    expect(Number((await lockRows())[0]!.run_id)).toBe(7);
    await held.record('run 8', 8);
    expect((await lockRows()).map((row) => row.task)).toEqual(['run 8']);

    await held.release();
    expect(await lockRows()).toEqual([]);
    expect(await isLockFree(store)).toBe(true);
    expect(held.lost.aborted).toBe(false);
  });

  it('a run meeting another run gives way at once, naming the holder, and leaves the holder untouched', async () => {
    const { store, other } = await setUp();
    const held = await holding(store, RUN, 'run 1', 1);
    const started = Date.now();
    const refused = acquireLock(other, request(RUN, { waitMs: 10_000 }));
    await expect(refused).rejects.toThrow(LockHeldError);
    await expect(refused).rejects.toThrow(/^another run holds the lock \(.*run 1, .+, since 2026-10-15T06:00:00\.000Z\); nothing was recorded$/);
    const message = await refused.then(() => 'taken', (error: Error) => error.message);
    expect(message.includes(`${currentHolder()}, since`)).toBe(true);
    expect(message.includes('PostgreSQL advisory lock')).toBe(engine === 'postgres');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await lockRows()).map((row) => row.task)).toEqual(['run 1']);
    await held.release();
    const next = await acquireLock(other, request(RUN));
    await next.release();
  });

  it('an import waits for the holder up to its limit, then says what it waited for', async () => {
    const { store, other } = await setUp();
    const held = await holding(store, RUN, 'run 3', 3);
    const started = Date.now();
    const refused = acquireLock(other, request(IMPORT, { waitMs: 400 }));
    await expect(refused).rejects.toThrow(/^a run holds the lock \(.*run 3.*\) after waiting \d+ s \(DATABASE_LOCK_TIMEOUT_SECONDS\); nothing was imported$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await held.release();
  });

  it('an import waiting for a run takes the lock as soon as the run lets go', async () => {
    const { store, other } = await setUp();
    const held = await holding(store, RUN, 'run 3', 3);
    const waiting = acquireLock(other, request(IMPORT, { waitMs: 10_000 }));
    let settled = false;
    void waiting.then(() => (settled = true), () => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await held.release();
    const taken = await waiting;
    expect(await isLockFree(store)).toBe(false);
    await taken.release();
    expect(await isLockFree(store)).toBe(true);
  });

  it('a run behind an import waits for it, and takes the lock once the import lets go', async () => {
    const { store, other } = await setUp();
    const importing = await holding(store, IMPORT, 'import of revenue.csv');
    const refused = acquireLock(other, request(RUN, { waitMs: 300 }));
    await expect(refused).rejects.toThrow(/^an import holds the lock \(.*import of revenue\.csv.*\) after waiting/);
    const waiting = acquireLock(other, request(RUN, { waitMs: 10_000 }));
    await new Promise((resolve) => setTimeout(resolve, 250));
    await importing.release();
    await (await waiting).release();
  });

  it('a holder not yet named gets a second of patience from a run, then the run gives way without a row to quote', async () => {
    const { temp, store } = await setUp();
    const holder = await holdLock(temp);
    try {
      const started = Date.now();
      const refused = acquireLock(store, request(RUN));
      await expect(refused).rejects.toThrow(LockHeldError);
      await expect(refused).rejects.not.toThrow(/since/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await holder.release();
    }
    await (await acquireLock(store, request(RUN))).release();
  });

  it('a stop signal ends the wait as an interruption, and nothing is taken', async () => {
    const { store, other } = await setUp();
    const held = await holding(store, RUN, 'import of partners.csv');
    const stop = new AbortController();
    const waiting = acquireLock(other, request(IMPORT, { waitMs: 30_000, signal: stop.signal }));
    setTimeout(() => stop.abort('SIGTERM'), 200);
    const error = await waiting.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toMatch(/while waiting for the lock; nothing was imported/);
    expect((await lockRows()).map((row) => row.task)).toEqual(['import of partners.csv']);
    await held.release();
  });

  it("clears what a dead holder left — its row and the runs still marked running — and says so once", async () => {
    const { temp, store } = await setUp();
    await temp.query("insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values ('run', 5, 'gone-host:123', 'x', 'x', 'run 5')");
    for (const status of ['completed', 'running']) {
      await temp.query("insert into runs (as_of, origin, dry_run, status, started_at, heartbeat_at, holder, counts) values ('2026-10-15', 'manual', 0, ?, 'x', 'x', 'gone-host:123', '{}')", [status]);
    }
    const recovered: unknown[] = [];
    const held = await acquireLock(store, request(RUN, { onRecovered: (dead) => recovered.push(dead) }));
    expect(recovered).toEqual([{ holder: 'gone-host:123', task: 'run 5', interruptedRuns: [2] }]);
    expect(await lockRows()).toEqual([]);
    const runs = await temp.query<{ id: unknown; status: string; error: string | null }>('select id, status, error from runs order by id');
    expect(runs.map((run) => [Number(run.id), run.status, run.error])).toEqual([
      [1, 'completed', null],
      [2, 'interrupted', DIED],
    ]);
    await held.release();

    const again: unknown[] = [];
    await (await acquireLock(store, request(RUN, { onRecovered: (dead) => again.push(dead) }))).release();
    expect(again).toEqual([]);
  });

  it('does not clear a live holder: a failed attempt leaves its row and its running run as they were', async () => {
    const { temp, store, other } = await setUp();
    const held = await holding(store, RUN, 'run 1', 1);
    await temp.query("insert into runs (as_of, origin, dry_run, status, started_at, heartbeat_at, holder, counts) values ('2026-10-15', 'manual', 0, 'running', 'x', 'x', ?, '{}')", [currentHolder()]);
    const recovered: unknown[] = [];
    await expect(acquireLock(other, request(RUN, { onRecovered: (dead) => recovered.push(dead) }))).rejects.toThrow(LockHeldError);
    expect(recovered).toEqual([]);
    expect((await temp.query<{ status: string }>('select status from runs')).map((run) => run.status)).toEqual(['running']);
    await held.release();
  });

  it('release keeps a row that another holder wrote since', async () => {
    const { temp, store } = await setUp();
    const held = await holding(store, RUN, 'run 1', 1);
    await temp.query("update run_locks set holder = 'elsewhere:1'");
    await held.release();
    expect((await lockRows()).map((row) => row.holder)).toEqual(['elsewhere:1']);
  });

  if (engine === 'postgres') {
    it('is lost when the connection holding it ends, and then free for the next', async () => {
      const { temp, store, other } = await setUp();
      const held = await acquireLock(store, request(RUN));
      expect(held.lost.aborted).toBe(false);
      await temp.query("select pg_terminate_backend(pid) from pg_locks where locktype = 'advisory' and granted and pid <> pg_backend_pid()");
      await expect.poll(() => held.lost.aborted, { timeout: 5_000 }).toBe(true);
      const next = await acquireLock(other, request(RUN));
      await held.release();
      expect(await isLockFree(other)).toBe(false);
      await next.release();
      expect(await isLockFree(other)).toBe(true);
    });
  }
});
