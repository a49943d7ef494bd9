import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import type { Config } from '../config/config.js';
import type { Store } from '../db/database.js';
import { EnvironmentError, InterruptedError, LockHeldError, UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { mailerFor } from '../mail/mailer.js';
import type { Templates } from '../mail/render.js';
import type { Policy } from '../policy/policy.js';
import { todayIn } from '../rules/months.js';
import { runReevaluation } from './run.js';
import { lastCompletedRun } from '../store/runs.js';

export interface SchedulerContext {
  store: Store;
  policy: Policy;
  config: Config;
  log: Logger;
  templates: Templates;
  io: { now: () => Date; stopSignal?: AbortSignal; stderr: NodeJS.WritableStream & { isTTY?: boolean } };
}

/** How far back to look for the last scheduled time when deciding on a catch-up run. */
const CATCH_UP_LOOKBACK_MINUTES = 31 * 24 * 60;

/**
 * Runs `run` on the cron schedule until stopped. Runs never overlap: a tick while a run is in
 * progress is skipped here, and the database lock keeps out runs from other processes. A run that
 * found the lock taken (or the database out of reach) is tried again every SCHEDULE_RETRY_SECONDS
 * until it has run or the next tick comes.
 */
export async function startScheduler(context: SchedulerContext): Promise<void> {
  const { config, policy, io } = context;
  if (!cron.validate(config.cronSchedule)) {
    throw new UsageError(`CRON_SCHEDULE '${config.cronSchedule}' is not a valid cron expression`);
  }
  const log = createLogger({ stream: io.stderr }).child({ component: 'scheduler' });
  const heartbeatFile = path.join(path.dirname(config.outboxDir), 'scheduler.heartbeat');
  const beat = (state: string) => writeHeartbeat(heartbeatFile, io.now(), state);

  let current: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  const runOnce = (reason: 'scheduled' | 'catch-up' | 'retry', asOf = todayIn(policy.timeZone, io.now())) => {
    if (current) {
      log.warn('previous run still in progress: this tick is skipped', { reason });
      return current;
    }
    // A tick's own run replaces the retry of an earlier one.
    if (retry) clearTimeout(retry);
    retry = null;
    current = (async () => {
      const mailer = mailerFor(config);
      try {
        beat('running');
        const result = await runReevaluation(
          { store: context.store, policy, config, templates: context.templates, mailer },
          { asOf, dryRun: false, origin: 'scheduled', now: io.now, log, ...(io.stopSignal ? { signal: io.stopSignal } : {}) },
        );
        if (result.stopped) log.warn(`run stopped ${result.stopped.summary}`, { reason, runId: result.json.runId, asOf });
        else log.info('run finished', { reason, runId: result.json.runId, asOf, counts: result.counts, failedSends: result.failedSends });
      } catch (error) {
        const message = (error as Error).message;
        if (error instanceof InterruptedError) log.warn(`run stopped ${message}`, { reason, asOf });
        else if ((error instanceof LockHeldError || error instanceof EnvironmentError) && !io.stopSignal?.aborted) {
          // The day's run is not lost: it is tried again until it has run.
          log.warn(`run skipped: ${message}; trying again in ${config.scheduleRetryMs / 1000} s`, { reason, asOf });
          retry = setTimeout(() => void runOnce('retry', asOf), config.scheduleRetryMs);
        } else log.error('run failed', { reason, error: message });
      } finally {
        await mailer.close();
        beat('idle');
        current = null;
      }
    })();
    return current;
  };

  const task = cron.createTask(config.cronSchedule, () => runOnce('scheduled'), {
    timezone: policy.timeZone,
    name: 'csp-reeval',
    noOverlap: true,
  });

  const lastScheduled = previousMatch(task, io.now());
  const last = await lastCompletedRun(context.store.db);
  beat('idle');
  log.info('scheduler started', {
    schedule: config.cronSchedule,
    timeZone: policy.timeZone,
    // getNextRun() answers only once the task is started; the schedule's next match does not wait for that.
    nextRun: task.getNextRuns(1)[0]?.toISOString() ?? null,
    lastCompletedRun: last?.finished_at ?? null,
  });
  if (lastScheduled && (!last?.finished_at || Date.parse(last.finished_at) < lastScheduled.getTime())) {
    log.info('the last scheduled time passed without a completed run: one catch-up run now', {
      lastScheduled: lastScheduled.toISOString(),
    });
    await runOnce('catch-up');
  }

  await task.start();
  const heartbeat = setInterval(() => beat(current ? 'running' : 'idle'), 30_000);
  await new Promise<void>((resolve) => {
    if (io.stopSignal?.aborted) resolve();
    io.stopSignal?.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info('stop requested: the run in progress, if any, records what it decided and stops');
  clearInterval(heartbeat);
  if (retry) clearTimeout(retry);
  await task.stop();
  await task.destroy();
  if (current) await current;
  log.info('scheduler stopped');
}

/** The latest minute at or before `now` that the schedule matches, or null within the look-back. */
function previousMatch(task: ScheduledTask, now: Date): Date | null {
  const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
  for (let i = 0; i < CATCH_UP_LOOKBACK_MINUTES; i++) {
    const candidate = new Date(minute.getTime() - i * 60_000);
    if (task.match(candidate)) return candidate;
  }
  return null;
}

function writeHeartbeat(file: string, now: Date, state: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ at: now.toISOString(), state, pid: process.pid })}\n`);
  } catch {
    // The heartbeat only feeds the container health check; a run must never fail for it.
  }
}
