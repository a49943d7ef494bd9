import type { Logger } from '../log/logger.js';
import { LockHeldError } from '../errors.js';
import { findSendableNotice, sentRecorder } from '../store/notices.js';
import { type SendContext, sendOne } from './deliver.js';
import { acquireLock } from './lock.js';
import type { RunDeps } from './run.js';
import { RunStop } from './stop.js';

/** How long a notice sent at once waits for a run or an import to finish before leaving it to the next run. */
const WAIT_MS = 5_000;

export type SendNowResult = { status: 'sent' } | { status: 'failed'; error: string } | { status: 'left'; why: string };

/**
 * Sends one notice already recorded in the outbox, at once, holding the run lock so that no run
 * sends it too. When the lock stays busy, or the notice is no longer waiting, it is left as it is:
 * the next run sends whatever still waits, and a failed send is retried there like any other.
 */
export async function sendNoticeNow(
  deps: Pick<RunDeps, 'store' | 'config' | 'mailer'>,
  noticeId: number,
  options: { asOf: string; now: () => Date; log: Logger; signal?: AbortSignal },
): Promise<SendNowResult> {
  let lock;
  try {
    lock = await acquireLock(deps.store, { task: { kind: 'send', what: `notice ${noticeId}` }, waitMs: Math.min(WAIT_MS, deps.config.lockTimeoutMs), now: options.now, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    if (error instanceof LockHeldError) return { status: 'left', why: 'a run or an import holds the lock' };
    throw error;
  }
  const stop = new RunStop(options.signal, lock.lost);
  try {
    await lock.record(`send of notice ${noticeId}`);
    const notice = await findSendableNotice(deps.store.db, noticeId);
    if (notice.status !== 'pending') return { status: 'left', why: `it is already ${notice.status}` };
    const delivery: SendContext = { deps, options: { asOf: options.asOf, now: options.now }, log: options.log, stop, sent: () => undefined };
    const status = await sendOne(delivery, notice, sentRecorder(deps.store, options.asOf, { size: 1, waitMs: 0 }));
    if (status.ok) return { status: 'sent' };
    return status.cutOff ? { status: 'left', why: 'stopped while sending' } : { status: 'failed', error: status.error };
  } finally {
    stop.dispose();
    await lock.release();
  }
}
