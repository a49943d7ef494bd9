import type { Outcome } from '../domain/types.js';
import { newMessageId } from '../mail/mailer.js';
import { type OpsSummaryInput, renderOpsSummary } from '../mail/render.js';
import { decisionsNotYetSummarised, findSendableNotice, insertNotice, sentRecorder } from '../store/notices.js';
import type { decideDue } from './decide.js';
import { type Delivery, emptyCounts, mailDomain, type SendOutcome, sendOne } from './deliver.js';
import { overridesForSummary } from './overrides-reported.js';

/**
 * The operations summary of every decision no summary has covered yet, and of this run's failed
 * sends; resolves to the number of sends that failed (0 or 1). Nothing to tell, nothing sent.
 */
export async function summariseForOps(delivery: Delivery, runId: number, decided: Awaited<ReturnType<typeof decideDue>>, failedSends: SendOutcome['failed']): Promise<number> {
  const { deps, options } = delivery;
  const unreported = await decisionsNotYetSummarised(deps.store.db);
  if (unreported.length === 0 && failedSends.length === 0 && !decided.warnings?.atRisk.length) return 0;
  const ops: OpsSummaryInput = {
    asOf: options.asOf,
    runId,
    policyVersion: deps.policy.version,
    counts: latestOutcomeCounts(unreported),
    needsReview: decided.needsReview,
    missingSupportPlan: decided.due.missingSupportPlan.map((partnerId) => ({ partnerId, partnerName: decided.names.get(partnerId) ?? partnerId })),
    failedSends,
    ...(decided.warnings ? { warnings: decided.warnings } : {}),
    overrides: await overridesForSummary(deps.store.db, unreported.map((d) => d.id), decided.names),
  };
  return sendOpsSummary(delivery, runId, ops, unreported.map((d) => d.id));
}

/** Counts by outcome of the latest of the given decisions for each cycle. */
export function latestOutcomeCounts(decisions: Array<{ cycleId: number; outcome: Outcome }>): Record<Outcome, number> {
  const latest = new Map(decisions.map((d) => [d.cycleId, d.outcome]));
  const counts = emptyCounts();
  for (const outcome of latest.values()) counts[outcome] += 1;
  return counts;
}

/** Records the operations summary in the outbox, then sends it; resolves to the number of failed sends (0 or 1). */
export async function sendOpsSummary(delivery: Delivery, runId: number, ops: OpsSummaryInput, decisionIds: number[]): Promise<number> {
  const { deps, options } = delivery;
  const rendered = renderOpsSummary(ops, deps.templates);
  const createdAt = options.now().toISOString();
  const noticeId = await deps.store.db.transaction().execute((trx) =>
    insertNotice(
      trx,
      {
        runId,
        partnerId: null,
        audience: 'ops',
        kinds: ['summary'],
        messageId: newMessageId({ runId, partnerId: null, domain: mailDomain(deps.config.mailFrom) }),
        locale: 'en',
        from: deps.config.mailFrom,
        to: [deps.config.opsEmail!],
        cc: [],
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        createdAt,
      },
      decisionIds,
    ),
  );
  const notice = await findSendableNotice(deps.store.db, noticeId);
  const status = await sendOne(delivery, notice, sentRecorder(deps.store, options.asOf, { size: 1, waitMs: 0 }));
  return status.ok ? 0 : 1;
}
