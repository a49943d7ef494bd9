import type { Config } from '../config/config.js';
import type { Store } from '../db/database.js';
import { isBusy } from '../db/retry.js';
import type { IsoDate, Outcome } from '../domain/types.js';
import { describeEnvironmentFailure, EnvironmentError, InterruptedError, LockHeldError, type StopSignal, UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Mailer } from '../mail/mailer.js';
import type { Templates } from '../mail/render.js';
import type { Policy } from '../policy/policy.js';
import { countWaitingNotices } from '../store/notices.js';
import { finishRun, startRun } from '../store/runs.js';
import { decideDue } from './decide.js';
import { type Delivery, emptyCounts, sendWaitingNotices } from './deliver.js';
import { summariseForOps } from './ops-summary.js';
import { acquireLock, currentHolder } from './lock.js';
import { RunProgress } from './progress.js';
import { newRunJson, type RunJson } from './run-json.js';
import { reportOverridesInRun } from './overrides-reported.js';
import { RunStop } from './stop.js';

export type { RunJson } from './run-json.js';

export interface RunOptions {
  asOf: IsoDate;
  partnerId?: string;
  dryRun: boolean;
  origin: 'manual' | 'scheduled';
  now: () => Date;
  log: Logger;
  /**
   * Aborting (SIGTERM, SIGINT) stops the run: no further partner is decided, the batch in hand is
   * recorded, no new send starts, and the sends under way get a short grace before they are cut off.
   */
  signal?: AbortSignal;
  /** Filled in with the time spent deciding and rendering, and the wall time of delivery (which includes recording each send). */
  profile?: RunProfile;
}

export interface RunProfile {
  decideMs: number;
  renderMs: number;
  sendMs: number;
}

export interface RunDeps {
  store: Store;
  policy: Policy;
  config: Config;
  templates: Templates;
  mailer: Mailer;
}

export interface RunResult {
  json: RunJson;
  /** Sends that failed in this run (retried by the next one). */
  failedSends: number;
  counts: Record<Outcome, number>;
  /** Set when a signal stopped the run: which, and a line saying what was kept. */
  stopped: { signal: StopSignal; summary: string } | null;
}

/**
 * One run: take the lock, find what is due, decide it, record each partner's decisions and notice
 * in one transaction (shared by a batch of partners), then send every notice that is waiting. A
 * crash anywhere loses nothing: a recorded decision is never re-decided, and a notice is sent from
 * the outbox table by the next run if this one did not get to it.
 */
export async function runReevaluation(deps: RunDeps, options: RunOptions): Promise<RunResult> {
  const { store, policy } = deps;
  const counts = emptyCounts();
  const json = newRunJson(options.asOf, options.dryRun, policy.version);
  const decideOptions = (log: Logger) => ({
    asOf: options.asOf,
    now: options.now,
    log,
    ...(options.partnerId !== undefined ? { partnerId: options.partnerId } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
  const context = { store, policy, templates: deps.templates, json, counts };
  const onlyPartner = options.partnerId !== undefined ? { partnerId: options.partnerId } : {};

  if (options.dryRun) {
    const stop = new RunStop(options.signal, undefined);
    try {
      await decideDue({ ...context, options: decideOptions(options.log.child({ dryRun: true })), stop, recording: null });
      json.decisions.push(...(await reportOverridesInRun(store.db, { ...onlyPartner, runId: null })));
    } finally {
      stop.dispose();
    }
    const stopped = stop.reason?.kind === 'signal' ? { signal: stop.reason.signal, summary: `by ${stop.reason.signal}; a dry run records nothing` } : null;
    return { json, failedSends: 0, counts, stopped };
  }

  const lock = await acquireLock(store, {
    task: { kind: 'run' },
    waitMs: deps.config.lockTimeoutMs,
    now: options.now,
    ...(options.signal ? { signal: options.signal } : {}),
    onRecovered: (dead) => options.log.warn('recovered a stale run lock', { ...dead }),
  });
  const stop = new RunStop(options.signal, lock.lost);
  const progress = new RunProgress();
  let runId = 0;
  try {
    runId = await startRun(store.db, { asOf: options.asOf, origin: options.origin, holder: currentHolder(), startedAt: options.now().toISOString() });
    json.runId = runId;
    await lock.record(`run ${runId}`, runId);
    const log = options.log.child({ runId });
    const recording = { runId, mailFrom: deps.config.mailFrom, committed: (partners: number, decisions: number) => progress.committed(partners, decisions) };
    const decided = await decideDue({ ...context, options: decideOptions(log), stop, recording });
    json.decisions.push(...(await reportOverridesInRun(store.db, { ...onlyPartner, runId })));
    progress.due = decided.groups;

    const delivery: Delivery = { deps, options, log, stop, sent: () => progress.sent++ };
    const failedSends = stop.requested ? 0 : await deliver(delivery, runId, json, decided);
    if (stop.reason?.kind === 'lost') throw stop.reason.error;
    if (stop.reason?.kind === 'signal') {
      json.stopped = true;
      const summary = progress.stoppedBy(stop.reason.signal, await countWaitingNotices(store.db).catch(() => null));
      await finishRun(store.db, runId, options.now, 'stopped', counts, summary);
      return { json, failedSends, counts, stopped: { signal: stop.reason.signal, summary } };
    }
    await finishRun(store.db, runId, options.now, failedSends > 0 ? 'completed_with_failures' : 'completed', counts);
    return { json, failedSends, counts, stopped: null };
  } catch (error) {
    const failure = explainFailure(error, progress, stop);
    if (runId) await finishRun(store.db, runId, options.now, 'failed', counts, failure.message).catch(() => undefined);
    throw failure;
  } finally {
    stop.dispose();
    await lock.release();
  }
}

/**
 * Sends every notice waiting in the outbox, then the operations summary; resolves to the number of
 * sends that failed. A stopped run sends no summary: the next run's covers what this one decided.
 */
async function deliver(delivery: Delivery, runId: number, json: RunJson, decided: Awaited<ReturnType<typeof decideDue>>): Promise<number> {
  const { deps, options, stop } = delivery;
  const sending = performance.now();
  const sent = await sendWaitingNotices(delivery);
  if (options.profile) options.profile.sendMs += performance.now() - sending;
  json.notices.push(...sent.results.filter((result) => result.partnerId !== null).map((r) => ({ ...r, partnerId: r.partnerId! })));
  if (!deps.config.opsEmail || stop.requested) return sent.failed.length;
  return sent.failed.length + (await summariseForOps(delivery, runId, decided, sent.failed));
}

/**
 * A run that ends early says truthfully what it kept: a busy database or a failure of the
 * surroundings becomes one line with the decisions and sends recorded before it.
 */
function explainFailure(error: unknown, progress: RunProgress, stop: RunStop): Error {
  if (stop.lockLost) {
    return new EnvironmentError(
      `the connection to PostgreSQL that held the run lock was lost (${(error as Error)?.message ?? String(error)})`,
      `${progress.kept()}; no further notice was sent`,
      'run again once the server is back: the next run carries on where this one stopped',
      { cause: error },
    );
  }
  if (error instanceof UsageError || error instanceof LockHeldError || error instanceof EnvironmentError || error instanceof InterruptedError) return error;
  if (isBusy(error)) return new LockHeldError(`the database is locked by another process (${(error as Error).message}); ${progress.kept()}`);
  const environment = describeEnvironmentFailure(error);
  if (environment) return new EnvironmentError(environment, progress.kept(), 'fix it and run again: the next run carries on where this one stopped', { cause: error });
  return error instanceof Error ? error : new Error(String(error));
}
