import type { Config } from '../config/config.js';
import type { Store } from '../db/database.js';
import type { DecisionRecord, IsoDate, Outcome, Partner } from '../domain/types.js';
import { UsageError } from '../errors.js';
import { renderCorrectionNotice } from '../mail/correction.js';
import { newMessageId } from '../mail/mailer.js';
import type { Templates } from '../mail/render.js';
import type { Policy } from '../policy/policy.js';
import { findDueCycles } from '../rules/due.js';
import { todayIn } from '../rules/months.js';
import { type CycleToOverride, type OverrideRequest, planOverride } from '../rules/override.js';
import { listRecordedCycles } from '../store/cycles.js';
import type { NewNotice } from '../store/notices.js';
import { findRecordedCycle, latestPartnerNoticeOfCycle, recordOverride } from '../store/overrides.js';
import { findPartner, listPartnersWithTerms } from '../store/partners.js';
import { mailDomain } from './deliver.js';

export interface OverrideDeps {
  store: Store;
  policy: Policy;
  config: Config;
  templates: Templates;
  now: () => Date;
}

/**
 * Finds the cycle (recorded, or due today and not recorded yet), plans the manual decision,
 * renders the partner's correction and records the three together; resolves to what to print and
 * the correction notice to send, which waits in the outbox like any notice until it is sent.
 */
export async function overrideCycle(deps: OverrideDeps, request: OverrideRequest, dryRun: boolean): Promise<{ line: string; noticeId: number | null }> {
  const { store, policy } = deps;
  const partner = await findPartner(store.db, request.partnerId);
  if (!partner) throw new UsageError(`override refused, nothing recorded: no partner with id '${request.partnerId}' has been imported`);
  const overriddenAt = deps.now();
  const today = todayIn(policy.timeZone, overriddenAt);
  const target = await findTarget(store, policy, request, today);
  const plan = planOverride(request, target, policy, today);
  if ('refused' in plan) throw new UsageError(`override refused, nothing recorded: ${plan.refused}`);
  const notice = request.notify && target ? await correctionNotice(deps, partner, target, plan.decision, plan.replacedOutcome, overriddenAt.toISOString()) : null;
  const what = describe(request, plan.decision, plan.replacedOutcome);
  if (dryRun) return { line: `dry run, nothing recorded: would record ${what}${notice ? `; would tell the partner (${notice.to.join(', ')}): "${notice.subject}"` : ''}`, noticeId: null };

  const recorded = await recordOverride(store.db, {
    target: target!,
    decision: plan.decision,
    replacedOutcome: plan.replacedOutcome,
    reason: request.reason,
    by: request.by,
    overriddenAt: overriddenAt.toISOString(),
    notice,
  });
  if ('conflict' in recorded) {
    throw new UsageError(
      `override refused, nothing recorded: the ${request.trigger} cycle ${request.cycle} of partner ${request.partnerId} was changed by another override or run at the same moment; see csp-reeval explain ${request.partnerId}, then override again if it is still needed`,
    );
  }
  const line = `override ${recorded.overrideId} recorded: ${what}`;
  return recorded.noticeId === null ? { line: `${line}; the partner is not told (--no-notice)`, noticeId: null } : { line, noticeId: recorded.noticeId };
}

function describe(request: OverrideRequest, decision: DecisionRecord, replaced: Outcome | null): string {
  const wait = decision.reapplyEligibleOn
    ? `, may re-apply from ${decision.reapplyEligibleOn}`
    : replaced === 'transition_required'
      ? ', the re-apply wait lifted: later cycles are due again'
      : '';
  return `partner ${request.partnerId} ${request.trigger} ${request.cycle}: ${replaced ?? 'due, not decided'} → ${decision.outcome}${wait}, by ${request.by} because ${JSON.stringify(request.reason)}`;
}

/** A recorded cycle, else one that is due on the day of the override though no run has recorded it yet. */
async function findTarget(store: Store, policy: Policy, request: OverrideRequest, today: IsoDate): Promise<CycleToOverride | null> {
  const recorded = await findRecordedCycle(store.db, request);
  if (recorded) return recorded;
  const [partners, cycles] = await Promise.all([listPartnersWithTerms(store.db, request.partnerId), listRecordedCycles(store.db, request.partnerId)]);
  const due = findDueCycles({ asOf: today, policy, partners, recorded: cycles }).due;
  const cycle = due.find((c) => c.trigger === request.trigger && c.cycle === request.cycle);
  return cycle ? { kind: 'due', cycle } : null;
}

async function correctionNotice(
  deps: OverrideDeps,
  partner: Partner,
  target: CycleToOverride,
  decision: DecisionRecord,
  replacedOutcome: Outcome | null,
  createdAt: string,
): Promise<Omit<NewNotice, 'runId'>> {
  const earlier = target.kind === 'recorded' ? await latestPartnerNoticeOfCycle(deps.store.db, target.cycleId) : null;
  const rendered = renderCorrectionNotice(
    {
      partner,
      trigger: decision.trigger,
      cycle: decision.cycle,
      outcome: decision.outcome as 'confirmed' | 'transition_required',
      replacedOutcome,
      earlierNoticeOn: earlier ? todayIn(deps.policy.timeZone, new Date(earlier.sentAt ?? earlier.createdAt)) : null,
      decidedOn: decision.decidedOn,
      reapplyEligibleOn: decision.reapplyEligibleOn ?? null,
    },
    deps.templates,
  );
  return {
    partnerId: partner.partnerId,
    audience: 'partner',
    kinds: ['correction'],
    messageId: newMessageId({ runId: 0, partnerId: partner.partnerId, domain: mailDomain(deps.config.mailFrom) }),
    locale: partner.locale,
    from: deps.config.mailFrom,
    to: partner.noticeTo,
    cc: partner.noticeCc,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    createdAt,
  };
}
