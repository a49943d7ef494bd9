import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { spawnCli } from '../helpers/spawn-cli.js';
import { createTestDatabase, ENGINES } from '../helpers/engines.js';
import { holdLock } from '../helpers/hold-lock.js';
import { tempDir } from '../helpers/temp-store.js';


interface Scheduler {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; millis: number }>;
}

function startScheduler(env: Record<string, string>): Scheduler {
  const spawned = spawnCli(['schedule'], env);
  const child = spawned.child;
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  spawned.onLine((line) => {
    // Not a terminal: every line must be one JSON object.
    lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  let stoppedAt = 0;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; millis: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, millis: Date.now() - stoppedAt })),
  );
  const waitFor = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; log so far:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`)), timeoutMs);
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  const originalKill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    stoppedAt = Date.now();
    return originalKill(signal);
  };
  return { child, lines, waitFor, exit };
}

describe.each(ENGINES)('csp-reeval schedule on %s', (engine) => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    // Stop the children before the database goes.
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('makes up a missed scheduled run once, logs JSON with the run id, and stops cleanly on SIGTERM', async () => {
    const temp = await createTestDatabase(engine);
    cleanups.push(temp.cleanup);
    const env = { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox'), CRON_SCHEDULE: '0 6 * * *' };
    expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);

    const first = startScheduler(env);
    cleanups.push(() => first.child.kill('SIGKILL'));
    const started = await first.waitFor((line) => line.msg === 'scheduler started');
    // The next 06:00 in the policy's time zone (UTC), after now and within a day.
    const nextRun = Date.parse(String(started.nextRun));
    expect(new Date(nextRun).toISOString()).toMatch(/T06:00:00\.000Z$/);
    expect(nextRun).toBeGreaterThan(Date.now() - 60_000);
    expect(nextRun - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    await first.waitFor((line) => line.msg === 'run finished' && line.reason === 'catch-up');
    expect(first.lines.some((line) => typeof line.runId === 'number')).toBe(true);
    first.child.kill('SIGTERM');
    const stopped = await first.exit;
    expect(stopped.code).toBe(0);
    expect(stopped.millis).toBeLessThan(10_000);
    expect(first.lines.some((line) => line.msg === 'scheduler stopped')).toBe(true);

    expect(await temp.query('select origin, status from runs')).toEqual([{ origin: 'scheduled', status: 'completed' }]);

    // Started again after that run: nothing was missed, so no second catch-up.
    const second = startScheduler(env);
    cleanups.push(() => second.child.kill('SIGKILL'));
    await second.waitFor((line) => line.msg === 'scheduler started');
    second.child.kill('SIGINT');
    expect((await second.exit).code).toBe(0);
    expect(second.lines.some((line) => line.reason === 'catch-up')).toBe(false);
  });

  it('a catch-up run that finds the lock held tries again until it has run: the day is not lost', async () => {
    const temp = await createTestDatabase(engine);
    cleanups.push(temp.cleanup);
    const env = { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox'), CRON_SCHEDULE: '0 6 * * *', SCHEDULE_RETRY_SECONDS: '1' };
    expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);
    const held = await holdLock(temp);
    let released = false;
    cleanups.push(() => !released && held.release());

    const scheduler = startScheduler(env);
    cleanups.push(() => scheduler.child.kill('SIGKILL'));
    await scheduler.waitFor((line) => line.reason === 'catch-up' && /^run skipped: another run holds the lock.*trying again in 1 s$/.test(String(line.msg)));
    await scheduler.waitFor((line) => line.reason === 'retry' && String(line.msg).startsWith('run skipped'));
    expect(await temp.query('select count(*) as n from decisions')).toEqual([{ n: engine === 'sqlite' ? 0 : '0' }]);

    await held.release();
    released = true;
    await scheduler.waitFor((line) => line.msg === 'run finished' && line.reason === 'retry');
    scheduler.child.kill('SIGTERM');
    expect((await scheduler.exit).code).toBe(0);
    expect(await temp.query('select origin, status from runs')).toEqual([{ origin: 'scheduled', status: 'completed' }]);
  });
});

describe('csp-reeval schedule configuration', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('refuses an invalid CRON_SCHEDULE with exit 2', async () => {
    const temp = tempDir();
    cleanups.push(temp.cleanup);
    const result = await runCli(['schedule'], { DATABASE_URL: path.join(temp.dir, 'db.sqlite'), CRON_SCHEDULE: '61 * * * *' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('CRON_SCHEDULE');
  });
});
