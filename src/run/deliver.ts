import type { SendableNotice } from '../db/schema.js';
import { retryWhileBusy } from '../db/retry.js';
import type { Outcome } from '../domain/types.js';
import type { Logger } from '../log/logger.js';
import { SendError } from '../errors.js';
import type { SendResult } from '../mail/mailer.js';
import { listSendableNotices, markFailed, recipientsOf, type SentNotice, sentRecorder } from '../store/notices.js';
import type { RunDeps, RunOptions } from './run.js';
import type { RunStop } from './stop.js';

export interface SendOutcome {
  results: Array<{ partnerId: string | null; to: string[]; kinds: string[]; status: 'sent' | 'failed' }>;
  failed: Array<{ partnerId: string | null; to: string[]; error: string }>;
}

/** What sending needs besides the run's dependencies. */
export interface Delivery {
  deps: RunDeps;
  options: Pick<RunOptions, 'asOf' | 'now' | 'profile'>;
  log: Logger;
  stop: RunStop;
  /** Told of every send once it is recorded as sent. */
  sent(): void;
}

/** After this many failures in a row without any server reply, the transport is taken to be down for this run. */
const GIVE_UP_AFTER = 3;
/** The longest a finished send waits for others to share its commit. */
const RECORD_WAIT_MS = 5;

/**
 * Sends every notice waiting in the outbox, as many at once as the transport carries, in order.
 * Once a stop is asked for no new send starts; those under way finish or are cut off, and
 * whatever was accepted is recorded. A failure to record ends the sending the same way.
 */
export async function sendWaitingNotices(delivery: Delivery): Promise<SendOutcome> {
  const { deps, options, log, stop } = delivery;
  const waiting = await listSendableNotices(deps.store.db, options.now().toISOString());
  const lanes = Math.max(1, deps.mailer.concurrency);
  // A batch is written once half the lanes wait for it: the other half keep the transport busy.
  const recordSent = sentRecorder(deps.store, options.asOf, { size: Math.ceil(lanes / 2), waitMs: RECORD_WAIT_MS });
  const results: Array<{ result: SendOutcome['results'][number]; failure?: SendOutcome['failed'][number] } | undefined> = [];
  let failuresInARow = 0;
  let next = 0;
  let fatal: { error: unknown } | null = null;
  const lane = async () => {
    for (let index = next++; index < waiting.length && !fatal && !stop.requested; index = next++) {
      const notice = waiting[index]!;
      const { to } = recipientsOf(notice);
      const result = { partnerId: notice.partner_id, to, kinds: JSON.parse(notice.kinds) as string[], status: 'failed' as 'sent' | 'failed' };
      if (failuresInARow >= GIVE_UP_AFTER) {
        // A mail server that is down or a full disk fails every notice alike; each would cost a full
        // timeout. The rest keep their state and go out with the next run.
        results[index] = { result, failure: { partnerId: notice.partner_id, to, error: 'not attempted in this run: the mail transport failed repeatedly' } };
        continue;
      }
      let status: SendStatus;
      try {
        status = await sendOne(delivery, notice, recordSent);
      } catch (error) {
        fatal ??= { error };
        return;
      }
      if (status.cutOff) continue;
      failuresInARow = !status.ok && status.transportDown ? failuresInARow + 1 : 0;
      if (failuresInARow === GIVE_UP_AFTER) log.warn(`${GIVE_UP_AFTER} sends failed in a row: the remaining notices wait for the next run`);
      result.status = status.ok ? 'sent' : 'failed';
      const error = !status.ok ? status.error : status.refused ? `sent, but refused for ${status.refused}` : null;
      results[index] = error === null ? { result } : { result, failure: { partnerId: notice.partner_id, to, error } };
    }
  };
  // Every lane ends before this returns, so nothing is still being sent when the run lets go of its lock.
  await Promise.all(Array.from({ length: lanes }, lane));
  if (fatal) throw (fatal as { error: unknown }).error;
  const done = results.filter((entry) => entry !== undefined);
  return {
    results: done.map((entry) => entry.result),
    failed: done.flatMap((entry) => (entry.failure ? [entry.failure] : [])),
  };
}

/**
 * `transportDown`: the failure came before any server reply (no connection, a timeout, an outbox
 * that cannot be written). `cutOff`: stopped under way; the notice keeps its state for the next run.
 */
export type SendStatus = { ok: true; refused?: string; cutOff?: false } | { ok: false; error: string; transportDown: boolean; cutOff?: boolean };

/** What one send needs: the outbox and the transport, not the rest of a run. */
export type SendContext = Omit<Delivery, 'deps'> & { deps: Pick<RunDeps, 'store' | 'mailer'> };

export async function sendOne(delivery: SendContext, notice: SendableNotice, recordSent: (sent: SentNotice) => Promise<void>): Promise<SendStatus> {
  const { deps, options, log, stop } = delivery;
  const { to, cc } = recipientsOf(notice);
  let result: SendResult;
  try {
    result = await deps.mailer.send(
      { messageId: notice.message_id, from: notice.mail_from, to, cc, subject: notice.subject, text: notice.text_body, html: notice.html_body },
      { signal: stop.cutOff },
    );
  } catch (error) {
    const message = (error as Error).message;
    if (stop.cutOff.aborted) return { ok: false, error: message, transportDown: false, cutOff: true };
    const permanent = error instanceof SendError && error.permanent;
    const status = await retryWhileBusy(() => markFailed(deps.store.db, notice, message, permanent, options.now()));
    log.error(`notice could not be sent (${status})`, { partnerId: notice.partner_id, messageId: notice.message_id, error: message });
    return { ok: false, error: message, transportDown: !permanent && (error as SendError).responseCode === undefined };
  }
  // Sent: from here a failure must not mark it failed, or the next run would send it again.
  const refused = result.rejected.map((r) => `${r.address} (${r.reason})`).join('; ');
  await recordSent({ notice, sentAt: options.now().toISOString(), note: refused ? `refused for ${refused}` : null });
  delivery.sent();
  if (refused) {
    log.warn('notice sent, but the server refused some recipients', { partnerId: notice.partner_id, messageId: notice.message_id, refused });
    return { ok: true, refused };
  }
  log.info('notice sent', { partnerId: notice.partner_id, messageId: notice.message_id });
  return { ok: true };
}

export function emptyCounts(): Record<Outcome, number> {
  return { confirmed: 0, awaiting_support_renewal: 0, transition_required: 0, needs_review: 0 };
}

export function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1] ?? 'localhost';
}
