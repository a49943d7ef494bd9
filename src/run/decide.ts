import type { Store } from '../db/database.js';
import type { CycleRef, Decision, IsoDate, Outcome, Partner, SupportTerm } from '../domain/types.js';
import { newMessageId } from '../mail/mailer.js';
import { type OpsSummaryInput, renderPartnerNotice, type Templates } from '../mail/render.js';
import type { Policy } from '../policy/policy.js';
import { type DueResult, findDueCycles } from '../rules/due.js';
import { checkText } from '../rules/check-text.js';
import { evaluate } from '../rules/evaluate.js';
import { isToldToPartner } from '../rules/told.js';
import { listRecordedCycles, recordDecision } from '../store/cycles.js';
import { EvidenceReader } from '../store/evidence.js';
import { insertNotice } from '../store/notices.js';
import { listPartnersWithTerms } from '../store/partners.js';
import { mailDomain } from './deliver.js';
import type { RunOptions, RunProfile } from './run.js';
import { type RunJson, toJsonDecision } from './run-json.js';
import { type RunStop, yielder } from './stop.js';

export interface DueGroup {
  partner: Partner;
  supportTerms: SupportTerm[];
  cycles: CycleRef[];
}

type Decided = { decision: Decision; firstAwaiting: boolean };

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
export async function decideDue(context: DecideContext): Promise<{ due: DueResult; names: Map<string, string>; needsReview: OpsSummaryInput['needsReview']; groups: number }> {
  const { store, policy, options, json, counts, stop } = context;
  const { groups, due, names } = await findDue(store, policy, options);
  json.missingSupportPlan = due.missingSupportPlan;
  options.log.info(`as of ${options.asOf}: ${due.due.length} cycle(s) due for ${groups.length} partner(s)`);
  const reader = new EvidenceReader(store.db, policy, options.asOf);
  const needsReview: OpsSummaryInput['needsReview'] = [];
  const stepAside = yielder(YIELD_EVERY_MS);

  for (let first = 0; first < groups.length && !stop.requested; first += PARTNERS_PER_COMMIT) {
    const batch: Array<{ group: DueGroup; decided: Decided[] }> = [];
    for (const group of groups.slice(first, first + PARTNERS_PER_COMMIT)) {
      await stepAside();
      if (stop.requested) break;
      batch.push({ group, decided: await decideGroup(group, reader, policy, options) });
    }
    if (stop.lockLost) break;
    if (context.recording && batch.length > 0) await recordDecided(context, context.recording, batch);
    for (const { group, decided } of batch) {
      for (const { decision } of decided) {
        counts[decision.outcome] += 1;
        json.decisions.push(toJsonDecision(decision));
        if (decision.outcome === 'needs_review') needsReview.push(reviewItem(group.partner, decision));
      }
      if (!context.recording) addDryRunNotice(context, group, decided);
    }
    context.recording?.committed(batch.length, batch.reduce((sum, entry) => sum + entry.decided.length, 0));
  }
  json.stopped = stop.requested;
  return { due, names, needsReview, groups: groups.length };
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

function addDryRunNotice({ json, templates, options }: DecideContext, group: DueGroup, decided: Decided[]): void {
  const toTell = decided
    .filter(({ decision, firstAwaiting }) => isToldToPartner(decision, { askedToRenewBefore: !firstAwaiting }))
    .map(({ decision }) => decision);
  const rendered = renderPartnerNotice({ partner: group.partner, decisions: toTell, asOf: options.asOf }, templates);
  if (rendered) json.notices.push({ partnerId: group.partner.partnerId, to: group.partner.noticeTo, kinds: rendered.kinds, status: 'dry_run' });
}

function reviewItem(partner: Partner, decision: Decision): OpsSummaryInput['needsReview'][number] {
  return {
    partnerId: decision.partnerId,
    partnerName: partner.name,
    trigger: decision.trigger,
    cycle: decision.cycle,
    missing: decision.checks.filter((check) => check.result === 'unknown' && check.missing).map((check) => `${check.id}: ${check.missing!.detail}`),
  };
}

/** Each partner's decisions, and the notice that tells it of them, for a batch of partners in one transaction. */
async function recordDecided({ store, templates, options }: DecideContext, recording: Recording, batch: Array<{ group: DueGroup; decided: Decided[] }>): Promise<void> {
  const recordedAt = options.now().toISOString();
  await store.db.transaction().execute(async (trx) => {
    for (const { group, decided } of batch) {
      const recorded = [];
      for (const { decision } of decided) recorded.push(await recordDecision(trx, recording.runId, decision, recordedAt));
      const toTell = recorded.filter((r) => r.notify);
      const started = performance.now();
      const rendered = renderPartnerNotice({ partner: group.partner, decisions: toTell.map((r) => r.decision), asOf: options.asOf }, templates);
      if (options.profile) options.profile.renderMs += performance.now() - started;
      if (!rendered) continue;
      await insertNotice(
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
    }
  });
}

/** What `due` and `run` share: every due cycle, grouped by partner, in a stable order. */
export async function findDue(
  store: Store,
  policy: Policy,
  options: { asOf: IsoDate; partnerId?: string },
): Promise<{ due: DueResult; groups: DueGroup[]; names: Map<string, string> }> {
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
  return { due, groups: [...groups.values()], names };
}
