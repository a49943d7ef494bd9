import type { Config } from '../config/config.js';
import type { Store } from '../db/database.js';
import type { SendableNotice } from '../db/schema.js';
import type { CycleRef, Decision, IsoDate, Outcome, Partner, SupportTerm } from '../domain/types.js';
import type { Logger } from '../log/logger.js';
import { type Mailer, newMessageId, SendError, type SendResult } from '../mail/mailer.js';
import { type OpsSummaryInput, renderOpsSummary, renderPartnerNotice, type Templates } from '../mail/render.js';
import type { Policy } from '../policy/policy.js';
import { findDueCycles, type DueResult } from '../rules/due.js';
import { evaluate } from '../rules/evaluate.js';
import { listRecordedCycles, recordDecision } from '../store/cycles.js';
import { EvidenceReader } from '../store/evidence.js';
import {
  decisionsNotYetSummarised,
  findSendableNotice,
  insertNotice,
  listSendableNotices,
  markFailed,
  recipientsOf,
  type SentNotice,
  sentRecorder,
} from '../store/notices.js';
import { listPartnersWithTerms } from '../store/partners.js';
import { acquireRunLock } from './lock.js';
import { finishRun, markRunInterrupted, startRun } from './runs.js';

export interface RunOptions {
  asOf: IsoDate;
  partnerId?: string;
  dryRun: boolean;
  origin: 'manual' | 'scheduled';
  now: () => Date;
  log: Logger;
  /** Aborting stops the run after the partner being decided; what was decided is recorded, and its notices sent. */
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

export interface RunJson {
  asOf: IsoDate;
  dryRun: boolean;
  policyVersion: string;
  runId: number | null;
  decisions: Array<{
    partnerId: string;
    trigger: string;
    cycle: string;
    outcome: Outcome;
    checks: Array<{ id: string; result: string; observed: string; required: string }>;
    reapplyEligibleOn?: IsoDate;
    deadline?: IsoDate;
  }>;
  notices: Array<{ partnerId: string; to: string[]; kinds: string[]; status: 'sent' | 'failed' | 'dry_run' }>;
  missingSupportPlan: string[];
  stopped: boolean;
}

export interface RunResult {
  json: RunJson;
  exitCode: 0 | 1;
  counts: Record<Outcome, number>;
}

interface DueGroup {
  partner: Partner;
  supportTerms: SupportTerm[];
  cycles: CycleRef[];
}

/**
 * One run: find what is due, decide it, record each partner's decisions and notice in one
 * transaction (shared by a batch of partners), then send every notice that is waiting. A crash
 * anywhere loses nothing: a recorded decision is never re-decided, and a notice is sent from the
 * outbox table by the next run if this one did not get to it.
 */
export async function runReevaluation(deps: RunDeps, options: RunOptions): Promise<RunResult> {
  const { store, policy } = deps;
  const counts = emptyCounts();
  const json: RunJson = {
    asOf: options.asOf,
    dryRun: options.dryRun,
    policyVersion: policy.version,
    runId: null,
    decisions: [],
    notices: [],
    missingSupportPlan: [],
    stopped: false,
  };

  const runId = options.dryRun ? 0 : await startRun(store.db, options.asOf, options.origin, options.now);
  json.runId = options.dryRun ? null : runId;
  const log = options.log.child(options.dryRun ? { dryRun: true } : { runId });
  const lock = options.dryRun
    ? null
    : await acquireRunLock(store, runId, options.now, async (staleRunId, holder) => {
        await markRunInterrupted(store.db, staleRunId);
        log.warn('recovered a stale run lock', { staleRunId, holder });
      }).catch(async (error: unknown) => {
        await store.db.deleteFrom('runs').where('id', '=', runId).execute();
        throw error;
      });

  let failedSends = 0;
  try {
    const { groups, due, names } = await findDue(store, policy, options);
    json.missingSupportPlan = due.missingSupportPlan;
    log.info(`as of ${options.asOf}: ${due.due.length} cycle(s) due for ${groups.length} partner(s)`);
    const reader = new EvidenceReader(store.db, policy, options.asOf);
    const ops: OpsSummaryInput = {
      asOf: options.asOf,
      runId,
      policyVersion: policy.version,
      counts,
      needsReview: [],
      missingSupportPlan: [],
      failedSends: [],
    };

    for (let first = 0; first < groups.length && !json.stopped; first += PARTNERS_PER_COMMIT) {
      const toRecord: Array<{ group: DueGroup; decided: Decided[] }> = [];
      for (const group of groups.slice(first, first + PARTNERS_PER_COMMIT)) {
        if (options.signal?.aborted) {
          json.stopped = true;
          log.warn('stop requested: no further partners will be decided in this run');
          break;
        }
        const decided = await decideGroup(group, reader, policy, options);
        for (const { decision } of decided) {
          counts[decision.outcome] += 1;
          json.decisions.push(toJsonDecision(decision));
          if (decision.outcome === 'needs_review') ops.needsReview.push(reviewItem(group.partner, decision));
        }
        if (!options.dryRun) {
          toRecord.push({ group, decided });
          continue;
        }
        const toTell = decided
          .filter(({ decision, firstAwaiting }) => decision.final || (decision.outcome === 'awaiting_support_renewal' && firstAwaiting))
          .map(({ decision }) => decision);
        const rendered = renderPartnerNotice({ partner: group.partner, decisions: toTell, asOf: options.asOf }, deps.templates);
        if (rendered) {
          json.notices.push({ partnerId: group.partner.partnerId, to: group.partner.noticeTo, kinds: rendered.kinds, status: 'dry_run' });
        }
      }
      if (toRecord.length > 0) await recordDecided(deps, options, runId, toRecord);
    }

    if (options.dryRun) return { json, exitCode: 0, counts };

    ops.missingSupportPlan = due.missingSupportPlan.map((partnerId) => ({
      partnerId,
      partnerName: names.get(partnerId) ?? partnerId,
    }));

    const sending = performance.now();
    const sent = await sendWaitingNotices(deps, options, log);
    if (options.profile) options.profile.sendMs += performance.now() - sending;
    failedSends += sent.failed.length;
    json.notices.push(...sent.results.filter((result) => result.partnerId !== null).map((r) => ({ ...r, partnerId: r.partnerId! })));
    ops.failedSends = sent.failed;

    const unreported = deps.config.opsEmail ? await decisionsNotYetSummarised(store.db) : [];
    if (deps.config.opsEmail && (unreported.length > 0 || sent.failed.length > 0)) {
      ops.counts = latestOutcomeCounts(unreported);
      failedSends += await sendOpsSummary(deps, options, runId, ops, log, unreported.map((d) => d.id));
    }
    await finishRun(store.db, runId, options.now, json.stopped ? 'stopped' : failedSends > 0 ? 'completed_with_failures' : 'completed', counts);
    return { json, exitCode: failedSends > 0 ? 1 : 0, counts };
  } catch (error) {
    if (!options.dryRun) await finishRun(store.db, runId, options.now, 'failed', counts, (error as Error).message).catch(() => undefined);
    throw error;
  } finally {
    await lock?.release();
  }
}

/**
 * Partners whose decisions and notices are recorded in one transaction. Each commit rewrites whole
 * pages (several per partner), so one per partner cost a sixth of a large run. A partner's
 * decisions and notice still land together or not at all; a crash before the commit leaves that
 * batch undecided, and nothing of it has been sent (sending starts after the last commit).
 */
const PARTNERS_PER_COMMIT = 100;

type Decided = { decision: Decision; firstAwaiting: boolean };

async function decideGroup(group: DueGroup, reader: EvidenceReader, policy: Policy, options: RunOptions): Promise<Decided[]> {
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
async function recordDecided(deps: RunDeps, options: RunOptions, runId: number, batch: Array<{ group: DueGroup; decided: Decided[] }>): Promise<void> {
  const recordedAt = options.now().toISOString();
  await deps.store.db.transaction().execute(async (trx) => {
    for (const { group, decided } of batch) {
      const recorded = [];
      for (const { decision } of decided) recorded.push(await recordDecision(trx, runId, decision, recordedAt));
      const toTell = recorded.filter((r) => r.notify);
      const started = performance.now();
      const rendered = renderPartnerNotice({ partner: group.partner, decisions: toTell.map((r) => r.decision), asOf: options.asOf }, deps.templates);
      if (options.profile) options.profile.renderMs += performance.now() - started;
      if (!rendered) continue;
      await insertNotice(
        trx,
        {
          runId,
          partnerId: group.partner.partnerId,
          audience: 'partner',
          kinds: rendered.kinds,
          messageId: newMessageId({ runId, partnerId: group.partner.partnerId, domain: mailDomain(deps.config.mailFrom) }),
          locale: group.partner.locale,
          from: deps.config.mailFrom,
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

interface SendOutcome {
  results: Array<{ partnerId: string | null; to: string[]; kinds: string[]; status: 'sent' | 'failed' }>;
  failed: Array<{ partnerId: string | null; to: string[]; error: string }>;
}

/** After this many failures in a row without any server reply, the transport is taken to be down for this run. */
const GIVE_UP_AFTER = 3;
/** The longest a finished send waits for others to share its commit. */
const RECORD_WAIT_MS = 5;

async function sendWaitingNotices(deps: RunDeps, options: RunOptions, log: Logger): Promise<SendOutcome> {
  const waiting = await listSendableNotices(deps.store.db, options.now().toISOString());
  const lanes = Math.max(1, deps.mailer.concurrency);
  // A batch is written once half the lanes wait for it: the other half keep the transport busy.
  const recordSent = sentRecorder(deps.store, options.asOf, { size: Math.ceil(lanes / 2), waitMs: RECORD_WAIT_MS });
  const results: Array<{ result: SendOutcome['results'][number]; failure?: SendOutcome['failed'][number] }> = [];
  let failuresInARow = 0;
  let next = 0;
  // As many sends in flight as the transport can carry (the SMTP pool's connections), in order.
  const lane = async () => {
    for (let index = next++; index < waiting.length; index = next++) {
      const notice = waiting[index]!;
      const { to } = recipientsOf(notice);
      const result = { partnerId: notice.partner_id, to, kinds: JSON.parse(notice.kinds) as string[], status: 'failed' as 'sent' | 'failed' };
      if (failuresInARow >= GIVE_UP_AFTER) {
        // A mail server that is down or a full disk fails every notice alike; each would cost a full
        // timeout. The rest keep their state and go out with the next run.
        results[index] = { result, failure: { partnerId: notice.partner_id, to, error: 'not attempted in this run: the mail transport failed repeatedly' } };
        continue;
      }
      const status = await sendOne(deps, options, notice, log, recordSent);
      failuresInARow = !status.ok && status.transportDown ? failuresInARow + 1 : 0;
      if (failuresInARow === GIVE_UP_AFTER) log.warn(`${GIVE_UP_AFTER} sends failed in a row: the remaining notices wait for the next run`);
      result.status = status.ok ? 'sent' : 'failed';
      const error = !status.ok ? status.error : status.refused ? `sent, but refused for ${status.refused}` : null;
      results[index] = error === null ? { result } : { result, failure: { partnerId: notice.partner_id, to, error } };
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return {
    results: results.map((entry) => entry.result),
    failed: results.flatMap((entry) => (entry.failure ? [entry.failure] : [])),
  };
}

/** `transportDown`: the failure came before any server reply (no connection, a timeout, an outbox that cannot be written). */
type SendStatus = { ok: true; refused?: string } | { ok: false; error: string; transportDown: boolean };

async function sendOne(
  deps: RunDeps,
  options: RunOptions,
  notice: SendableNotice,
  log: Logger,
  recordSent: (sent: SentNotice) => Promise<void>,
): Promise<SendStatus> {
  const { to, cc } = recipientsOf(notice);
  let result: SendResult;
  try {
    result = await deps.mailer.send({
      messageId: notice.message_id,
      from: notice.mail_from,
      to,
      cc,
      subject: notice.subject,
      text: notice.text_body,
      html: notice.html_body,
    });
  } catch (error) {
    const permanent = error instanceof SendError && error.permanent;
    const message = (error as Error).message;
    const status = await markFailed(deps.store.db, notice, message, permanent, options.now());
    log.error(`notice could not be sent (${status})`, { partnerId: notice.partner_id, messageId: notice.message_id, error: message });
    return { ok: false, error: message, transportDown: !permanent && (error as SendError).responseCode === undefined };
  }
  // Sent: from here a failure must not mark it failed, or the next run would send it again.
  const refused = result.rejected.map((r) => `${r.address} (${r.reason})`).join('; ');
  await recordSent({ notice, sentAt: options.now().toISOString(), note: refused ? `refused for ${refused}` : null });
  if (refused) {
    log.warn('notice sent, but the server refused some recipients', { partnerId: notice.partner_id, messageId: notice.message_id, refused });
    return { ok: true, refused };
  }
  log.info('notice sent', { partnerId: notice.partner_id, messageId: notice.message_id });
  return { ok: true };
}

/** Counts by outcome of the latest of the given decisions for each cycle. */
function latestOutcomeCounts(decisions: Array<{ cycleId: number; outcome: Outcome }>): Record<Outcome, number> {
  const latest = new Map(decisions.map((d) => [d.cycleId, d.outcome]));
  const counts = emptyCounts();
  for (const outcome of latest.values()) counts[outcome] += 1;
  return counts;
}

async function sendOpsSummary(
  deps: RunDeps,
  options: RunOptions,
  runId: number,
  ops: OpsSummaryInput,
  log: Logger,
  decisionIds: number[],
): Promise<number> {
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
  const status = await sendOne(deps, options, notice, log, sentRecorder(deps.store, options.asOf, { size: 1, waitMs: 0 }));
  return status.ok ? 0 : 1;
}

function toJsonDecision(decision: Decision): RunJson['decisions'][number] {
  return {
    partnerId: decision.partnerId,
    trigger: decision.trigger,
    cycle: decision.cycle,
    outcome: decision.outcome,
    checks: decision.checks.map((check) => ({
      id: check.id,
      result: check.result,
      observed: check.observed,
      required: check.required,
    })),
    ...(decision.reapplyEligibleOn ? { reapplyEligibleOn: decision.reapplyEligibleOn } : {}),
    ...(decision.deadline ? { deadline: decision.deadline } : {}),
  };
}

export function emptyCounts(): Record<Outcome, number> {
  return { confirmed: 0, awaiting_support_renewal: 0, transition_required: 0, needs_review: 0 };
}

function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return address.split('@')[1] ?? 'localhost';
}

