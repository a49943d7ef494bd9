import type { Store } from '../db/database.js';
import type { CycleRef, Decision, IsoDate, Outcome, Partner, SupportTerm } from '../domain/types.js';
import { newMessageId } from '../mail/mailer.js';
import type { OpsSummaryInput, Templates } from '../mail/render.js';
import type { WarningsForOps } from '../mail/summary-warnings.js';
import { renderPartnerMail } from '../mail/warning-notice.js';
import type { Policy } from '../policy/policy.js';
import { type DueResult, findDueCycles } from '../rules/due.js';
import { checkText } from '../rules/check-text.js';
import { evaluate } from '../rules/evaluate.js';
import { isToldToPartner } from '../rules/told.js';
import { listRecordedCycles, recordDecision } from '../store/cycles.js';
import { EvidenceReader } from '../store/evidence.js';
import { insertNotice } from '../store/notices.js';
import { listPartnersWithTerms } from '../store/partners.js';
import { linkWarningsToNotice } from '../store/warnings.js';
import type { Projection } from '../rules/projection.js';
import type { KnownPartners } from './projections.js';
import { mailDomain } from './deliver.js';
import type { RunOptions, RunProfile } from './run.js';
import { type RunJson, toJsonDecision } from './run-json.js';
import { type RunStop, yielder } from './stop.js';
import { atRiskForOps, findWarnings, recordWarnings, type RunWarnings, toJsonWarning } from './warnings.js';

export interface DueGroup {
  partner: Partner;
  supportTerms: SupportTerm[];
  cycles: CycleRef[];
}

type Decided = { decision: Decision; firstAwaiting: boolean };
type Batch = Array<{ group: DueGroup; decided: Decided[]; warned: Projection[] }>;

/** Where a run records what it decides; null for a dry run, which records nothing. */
export interface Recording {
  runId: number;
  mailFrom: string;
  /** Told of each batch of partners once its transaction has committed. */
  committed(partners: number, decisions: number): void;
}

/**
 * Partners whose decisions and notices are recorded in one transaction, because each commit
 * rewrites whole pages (several per partner). A partner's decisions and its notice still land
 * together or not at all; a crash before the commit leaves that batch undecided, and nothing of
 * it has been sent (sending starts after the last commit).
 */
const PARTNERS_PER_COMMIT = 100;
/** Deciding reads SQLite synchronously and would never let a signal handler run: it steps aside this often. */
const YIELD_EVERY_MS = 20;

export interface DecideContext {
  store: Store;
  policy: Policy;
  templates: Templates;
  options: Pick<RunOptions, 'asOf' | 'partnerId' | 'now' | 'log'> & { profile?: RunProfile };
  json: RunJson;
  counts: Record<Outcome, number>;
  stop: RunStop;
  recording: Recording | null;
}

/**
 * Decides every due partner, a batch at a time. Once a stop is asked for, no further partner is
 * decided and the batch in hand is recorded: what was decided is kept. A lost lock records nothing
 * more, as another run may be deciding the same partners.
 */
export async function decideDue(
  context: DecideContext,
): Promise<{ due: DueResult; names: Map<string, string>; needsReview: OpsSummaryInput['needsReview']; groups: number; warnings: WarningsForOps | undefined }> {
  const { store, policy, options, json, counts, stop } = context;
  const { groups: dueGroups, due, names, known } = await findDue(store, policy, options);
  const warnings = policy.earlyWarning.monthsBefore.length > 0 ? await findWarnings(store, policy, options.asOf, known) : null;
  const groups = withWarnedPartners(dueGroups, warnings, known);
  const forOps: WarningsForOps = { atRisk: [], needsData: warnings?.needsData ?? [] };
  json.missingSupportPlan = due.missingSupportPlan;
  options.log.info(`as of ${options.asOf}: ${due.due.length} cycle(s) due for ${dueGroups.length} partner(s)${warnings ? `, ${warnings.byPartner.size} partner(s) to warn` : ''}`);
  const reader = new EvidenceReader(store.db, policy, options.asOf);
  const needsReview: OpsSummaryInput['needsReview'] = [];
  const stepAside = yielder(YIELD_EVERY_MS);

  for (let first = 0; first < groups.length && !stop.requested; first += PARTNERS_PER_COMMIT) {
    const batch: Batch = [];
    for (const group of groups.slice(first, first + PARTNERS_PER_COMMIT)) {
      await stepAside();
      if (stop.requested) break;
      const decided = await decideGroup(group, reader, policy, options);
      // A partner told to move hears nothing of cycles it will not have until it may re-apply.
      const moving = decided.some(({ decision }) => decision.outcome === 'transition_required');
      batch.push({ group, decided, warned: moving ? [] : (warnings?.byPartner.get(group.partner.partnerId) ?? []) });
    }
    if (stop.lockLost) break;
    if (context.recording && batch.length > 0) await recordDecided(context, context.recording, batch);
    for (const { group, decided, warned } of batch) {
      for (const { decision } of decided) {
        counts[decision.outcome] += 1;
        json.decisions.push(toJsonDecision(decision));
        if (decision.outcome === 'needs_review') needsReview.push(reviewItem(group.partner, decision));
      }
      for (const warning of warned) {
        json.warnings.push(toJsonWarning(warning));
        forOps.atRisk.push(atRiskForOps(warning, group.partner.name));
      }
      if (!context.recording) addDryRunNotice(context, group, decided, warned);
    }
    context.recording?.committed(batch.length, batch.reduce((sum, entry) => sum + entry.decided.length, 0));
  }
  json.stopped = stop.requested;
  return { due, names, needsReview, groups: dueGroups.length, warnings: warnings ? forOps : undefined };
}

/** Partners warned of a cycle ahead but due for nothing now still get their one notice of the run. */
function withWarnedPartners(groups: DueGroup[], warnings: RunWarnings | null, known: KnownPartners): DueGroup[] {
  if (!warnings || warnings.byPartner.size === 0) return groups;
  const due = new Set(groups.map((group) => group.partner.partnerId));
  const warnedOnly = known.partners.filter(({ partner }) => warnings.byPartner.has(partner.partnerId) && !due.has(partner.partnerId));
  return [...groups, ...warnedOnly.map((entry) => ({ ...entry, cycles: [] }))];
}

async function decideGroup(group: DueGroup, reader: EvidenceReader, policy: Policy, options: DecideContext['options']): Promise<Decided[]> {
  const decided: Decided[] = [];
  for (const cycle of group.cycles) {
    const evidence = await reader.read(cycle, group.supportTerms);
    const started = performance.now();
    const decision = evaluate(cycle, group.partner, evidence, policy, options.asOf);
    if (options.profile) options.profile.decideMs += performance.now() - started;
    decided.push({ decision, firstAwaiting: !evidence.prior.awaiting });
  }
  return decided;
}

function addDryRunNotice({ json, templates, options, policy }: DecideContext, group: DueGroup, decided: Decided[], warned: Projection[]): void {
  const toTell = decided
    .filter(({ decision, firstAwaiting }) => isToldToPartner(decision, { askedToRenewBefore: !firstAwaiting }))
    .map(({ decision }) => decision);
  const rendered = renderPartnerMail({ partner: group.partner, decisions: toTell, warnings: warned, asOf: options.asOf, policy }, templates);
  if (rendered) json.notices.push({ partnerId: group.partner.partnerId, to: group.partner.noticeTo, kinds: rendered.kinds, status: 'dry_run' });
}

function reviewItem(partner: Partner, decision: Decision): OpsSummaryInput['needsReview'][number] {
  return {
    partnerId: decision.partnerId,
    partnerName: partner.name,
    trigger: decision.trigger,
    cycle: decision.cycle,
    missing: decision.checks.flatMap((check) => (check.result === 'unknown' && check.missing ? [{ checkId: check.id, detail: check.missing.detail }] : [])),
  };
}

/** Each partner's decisions, and the notice that tells it of them, for a batch of partners in one transaction. */
async function recordDecided({ store, templates, options, policy }: DecideContext, recording: Recording, batch: Batch): Promise<void> {
  const recordedAt = options.now().toISOString();
  await store.db.transaction().execute(async (trx) => {
    for (const entry of batch) {
      const { group, decided } = entry;
      const recorded = [];
      for (const { decision } of decided) recorded.push(await recordDecision(trx, recording.runId, decision, recordedAt));
      const toTell = recorded.filter((r) => r.notify);
      // Only a warning no run recorded before is told, so that a partner hears of it once.
      const warnings = await recordWarnings(trx, recording.runId, entry.warned, recordedAt);
      entry.warned = warnings.fresh;
      const started = performance.now();
      const rendered = renderPartnerMail({ partner: group.partner, decisions: toTell.map((r) => r.decision), warnings: warnings.fresh, asOf: options.asOf, policy }, templates);
      if (options.profile) options.profile.renderMs += performance.now() - started;
      if (!rendered) continue;
      const noticeId = await insertNotice(
        trx,
        {
          runId: recording.runId,
          partnerId: group.partner.partnerId,
          audience: 'partner',
          kinds: rendered.kinds,
          messageId: newMessageId({ runId: recording.runId, partnerId: group.partner.partnerId, domain: mailDomain(recording.mailFrom) }),
          locale: group.partner.locale,
          from: recording.mailFrom,
          to: group.partner.noticeTo,
          cc: group.partner.noticeCc,
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          createdAt: recordedAt,
        },
        toTell.map((r) => r.decisionId!),
      );
      await linkWarningsToNotice(trx, warnings.ids, noticeId);
    }
  });
}

/** What `due` and `run` share: every due cycle, grouped by partner, in a stable order. */
export async function findDue(
  store: Store,
  policy: Policy,
  options: { asOf: IsoDate; partnerId?: string },
): Promise<{ due: DueResult; groups: DueGroup[]; names: Map<string, string>; known: KnownPartners }> {
  const [partners, recorded] = await Promise.all([
    listPartnersWithTerms(store.db, options.partnerId),
    listRecordedCycles(store.db, options.partnerId),
  ]);
  const due = findDueCycles({ asOf: options.asOf, policy, partners, recorded });
  const byPartner = new Map(partners.map((entry) => [entry.partner.partnerId, entry]));
  const groups = new Map<string, DueGroup>();
  for (const cycle of due.due) {
    const entry = byPartner.get(cycle.partnerId);
    if (!entry) continue;
    const group = groups.get(cycle.partnerId) ?? { ...entry, cycles: [] };
    group.cycles.push(cycle);
    groups.set(cycle.partnerId, group);
  }
  const names = new Map(partners.map((entry) => [entry.partner.partnerId, entry.partner.name]));
  return { due, groups: [...groups.values()], names, known: { partners, recorded } };
}
