import { describe, expect, it } from 'vitest';
import { acquireLock, currentHolder, DIED } from '../../src/run/lock.js';
import { listRuns } from '../../src/run/runs.js';
import { finishRun, lastCompletedRun, startRun } from '../../src/store/runs.js';
import { ENGINES } from '../helpers/engines.js';
import { useStore } from '../helpers/use-store.js';

const counts = { confirmed: 2, awaiting_support_renewal: 0, transition_required: 1, needs_review: 0 };
const at = (iso: string) => () => new Date(iso);

describe.each(ENGINES)('the runs table on %s', (engine) => {
  const fixture = useStore(engine);

  it('records a run as it starts and as it finishes, ids as numbers on both engines', async () => {
    const id = await startRun(fixture.store.db, { asOf: '2026-10-15', origin: 'scheduled', holder: currentHolder(), startedAt: new Date('2026-10-15T06:00:00Z').toISOString() });
    expect(typeof id).toBe('number');
    const [started] = await fixture.temp.query('select as_of, origin, dry_run, status, started_at, finished_at, heartbeat_at from runs');
    expect({ ...started, dry_run: Number(started!.dry_run) }).toEqual({
      as_of: '2026-10-15',
      origin: 'scheduled',
      dry_run: 0,
      status: 'running',
      started_at: '2026-10-15T06:00:00.000Z',
      finished_at: null,
      heartbeat_at: '2026-10-15T06:00:00.000Z',
    });

    await finishRun(fixture.store.db, id, at('2026-10-15T06:05:00Z'), 'completed_with_failures', counts, 'one notice could not be sent');
    const [finished] = await listRuns(fixture.store);
    expect(finished).toMatchObject({ id, status: 'completed_with_failures', finished_at: '2026-10-15T06:05:00.000Z', heartbeat_at: '2026-10-15T06:05:00.000Z', error: 'one notice could not be sent' });
    expect(JSON.parse(finished!.counts)).toEqual(counts);
  });

  it('lists the latest runs first, as many as asked', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await startRun(fixture.store.db, { asOf: `2026-10-1${i}`, origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-15T06:00:00Z').toISOString() }));
    expect((await listRuns(fixture.store, 3)).map((run) => run.id)).toEqual(ids.slice(1).reverse());
  });

  it('shows a run still marked running as interrupted once no process holds the lock, and as running while one does', async () => {
    const lock = await acquireLock(fixture.store, { task: { kind: 'run' }, waitMs: 0, now: at('2026-10-15T06:00:00Z') });
    const id = await startRun(fixture.store.db, { asOf: '2026-10-15', origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-15T06:00:00Z').toISOString() });
    expect((await listRuns(fixture.store))[0]).toMatchObject({ id, status: 'running', error: null });
    await lock.release();
    expect((await listRuns(fixture.store))[0]).toMatchObject({ id, status: 'interrupted', error: DIED });
    // Shown so, not recorded so: the next run or import records it.
    expect((await fixture.temp.query<{ status: string }>('select status from runs'))[0]!.status).toBe('running');
  });

  it('finds the last run that completed, with or without failures, and nothing before one has', async () => {
    expect(await lastCompletedRun(fixture.store.db)).toBeUndefined();
    const first = await startRun(fixture.store.db, { asOf: '2026-10-14', origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-14T06:00:00Z').toISOString() });
    await finishRun(fixture.store.db, first, at('2026-10-14T06:01:00Z'), 'completed', counts);
    const second = await startRun(fixture.store.db, { asOf: '2026-10-15', origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-15T06:00:00Z').toISOString() });
    await finishRun(fixture.store.db, second, at('2026-10-15T06:01:00Z'), 'completed_with_failures', counts);
    const third = await startRun(fixture.store.db, { asOf: '2026-10-16', origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-16T06:00:00Z').toISOString() });
    await finishRun(fixture.store.db, third, at('2026-10-16T06:01:00Z'), 'stopped', counts);
    await startRun(fixture.store.db, { asOf: '2026-10-17', origin: 'manual', holder: currentHolder(), startedAt: new Date('2026-10-17T06:00:00Z').toISOString() });
    expect(Number((await lastCompletedRun(fixture.store.db))!.id)).toBe(second);
  });
});
