import { describe, expect, it } from 'vitest';
import type { CycleRef, Decision, Evidence } from '../../src/domain/types.js';
import { checkRecord } from '../../src/rules/check-text.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { decisionsOfPartner, listRecordedCycles, loadPriorState, recordDecision } from '../../src/store/cycles.js';
import { anniversaryCycle, anniversaryEvidence, defaultPolicy, partner, renewalCycle, renewalEvidence, revenue, snapshot, term } from '../builders/index.js';
import { ENGINES } from '../helpers/engines.js';
import { useStore } from '../helpers/use-store.js';

const policy = defaultPolicy();
const RECORDED_AT = '2026-10-15T06:00:00.000Z';
const renewed = [term('2025-11-01', '2026-10-31'), term('2026-11-01', '2027-10-31')];

function decide(cycle: CycleRef, evidence: Evidence, asOf = '2026-10-15'): Decision {
  return evaluate(cycle, partner({ partnerId: cycle.partnerId }), evidence, policy, asOf);
}

/**
 * A cycle's record: each decision written once, a cycle that became final left alone, the
 * partner told of the first final and the first awaiting decision only, and the state a later
 * run of the same cycle starts from.
 */
describe.each(ENGINES)('recorded cycles and decisions on %s', (engine) => {
  const fixture = useStore(engine);

  const record = (decision: Decision, runId = 1) => fixture.store.db.transaction().execute((trx) => recordDecision(trx, runId, decision, RECORDED_AT));
  const decisionCount = async () => Number((await fixture.temp.query<{ n: unknown }>('select count(*) as n from decisions'))[0]!.n);

  it('records a first final decision with its cycle, and tells the partner', async () => {
    const confirmed = decide(renewalCycle(), renewalEvidence({ supportTerms: renewed }));
    expect(confirmed.outcome).toBe('confirmed');
    const recorded = await record(confirmed, 7);
    expect(recorded).toEqual({ decision: confirmed, decisionId: expect.any(Number), notify: true });

    expect(await listRecordedCycles(fixture.store.db)).toEqual([
      { partnerId: 'P1', trigger: 'renewal', cycle: '2026-10', outcome: 'confirmed', final: true, decidedOn: '2026-10-15', reapplyEligibleOn: null, termEnd: '2026-10-31' },
    ]);
    const [row] = await decisionsOfPartner(fixture.store.db, 'P1');
    expect(Number(row!.id)).toBe(recorded.decisionId);
    expect(Number(row!.run_id)).toBe(7);
    expect(row).toMatchObject({ outcome: 'confirmed', decided_on: '2026-10-15', policy_version: policy.version, recorded_at: RECORDED_AT, deadline: null });
    expect(JSON.parse(row!.checks)).toEqual(JSON.parse(JSON.stringify(confirmed.checks.map(checkRecord))));
  });

  it('leaves a final cycle alone: a later decision is neither written nor told', async () => {
    const moved = decide(renewalCycle(), renewalEvidence({ revenue: revenue([{ amount: '10.00' }]) }));
    expect(moved).toMatchObject({ outcome: 'transition_required', final: true });
    expect((await record(moved)).notify).toBe(true);

    const later = decide(renewalCycle(), renewalEvidence({ supportTerms: renewed }), '2026-10-20');
    expect(await record(later, 2)).toEqual({ decision: later, decisionId: null, notify: false });
    expect(await decisionCount()).toBe(1);
    expect((await listRecordedCycles(fixture.store.db))[0]).toMatchObject({ outcome: 'transition_required', final: true, reapplyEligibleOn: moved.reapplyEligibleOn });
  });

  it('writes an unchanged decision once, and a changed one again without telling anyone', async () => {
    const stale = { security: snapshot({ asOf: '2025-01-01' }) };
    const review = decide(anniversaryCycle(), anniversaryEvidence(stale));
    expect(review.outcome).toBe('needs_review');
    const first = await record(review);
    expect(first.notify).toBe(false);
    expect(await record(decide(anniversaryCycle(), anniversaryEvidence(stale)), 2)).toEqual({ decision: review, decisionId: first.decisionId, notify: false });
    expect(await decisionCount()).toBe(1);

    // The same outcome with other check results is another decision.
    const otherReview = decide(anniversaryCycle(), anniversaryEvidence({ security: snapshot({ adminUsers: 0, adminUsersWithMfa: 0 }) }));
    expect(otherReview.outcome).toBe('needs_review');
    const second = await record(otherReview, 3);
    expect(second.decisionId).not.toBe(first.decisionId);
    expect(second.notify).toBe(false);
    expect(await decisionCount()).toBe(2);
  });

  it('tells the first awaiting decision only, and keeps its deadline and checks for the next run', async () => {
    expect(await loadPriorState(fixture.store.db, renewalCycle())).toEqual({ outcome: null });

    const awaiting = decide(renewalCycle(), renewalEvidence());
    expect(awaiting).toMatchObject({ outcome: 'awaiting_support_renewal', deadline: '2026-10-31' });
    expect((await record(awaiting)).notify).toBe(true);

    const expectedChecks = awaiting.checks.filter((check) => check.id !== 'support_plan_renewal');
    expect(expectedChecks.length).toBeGreaterThan(0);
    const prior = await loadPriorState(fixture.store.db, renewalCycle());
    const { checks: carried, ...awaitingState } = prior.awaiting!;
    expect({ ...prior, awaiting: awaitingState }).toEqual({ outcome: 'awaiting_support_renewal', awaiting: { decidedOn: '2026-10-15', deadline: '2026-10-31', toldOn: null } });
    // The carried checks are read back as typed checks that record exactly as they were recorded.
    expect(carried.map(checkRecord)).toEqual(expectedChecks.map(checkRecord));

    // Told on the 16th; a later awaiting decision (a new deadline) is recorded but not told again,
    // and the prior state still starts from the first awaiting decision.
    await fixture.temp.query("update cycles set told_on = '2026-10-16'");
    const stillAwaiting = decide(renewalCycle(), renewalEvidence({ prior }), '2026-10-25');
    expect(stillAwaiting.deadline).not.toBe(awaiting.deadline);
    expect((await record(stillAwaiting, 2)).notify).toBe(false);
    expect(await loadPriorState(fixture.store.db, renewalCycle())).toMatchObject({ awaiting: { decidedOn: '2026-10-15', toldOn: '2026-10-16' } });
    expect((await fixture.temp.query<{ deadline: string }>('select deadline from cycles'))[0]!.deadline).toBe(stillAwaiting.deadline);

    // The renewal arrives: the cycle becomes final and the partner is told.
    const confirmed = decide(renewalCycle(), renewalEvidence({ prior, supportTerms: renewed }), '2026-10-28');
    expect(confirmed.outcome).toBe('confirmed');
    expect((await record(confirmed, 3)).notify).toBe(true);
    expect((await decisionsOfPartner(fixture.store.db, 'P1')).map((row) => row.outcome)).toEqual(['awaiting_support_renewal', 'awaiting_support_renewal', 'confirmed']);
    expect(await loadPriorState(fixture.store.db, renewalCycle())).toMatchObject({ outcome: 'confirmed' });
  });

  it('lists cycles by partner, cycle and trigger, for one partner when asked, with a term end on renewals only', async () => {
    const cycles = [renewalCycle('2026-10', '2026-10-31', 'P2'), anniversaryCycle('2026-10', 'P1'), renewalCycle('2026-10', '2026-10-31', 'P1'), anniversaryCycle('2025-10', 'P2')];
    for (const cycle of cycles) {
      const evidence = cycle.trigger === 'renewal' ? renewalEvidence({ supportTerms: renewed }) : anniversaryEvidence();
      await record(decide(cycle, evidence));
    }
    const listed = await listRecordedCycles(fixture.store.db);
    expect(listed.map((c) => `${c.partnerId} ${c.cycle} ${c.trigger}`)).toEqual(['P1 2026-10 anniversary', 'P1 2026-10 renewal', 'P2 2025-10 anniversary', 'P2 2026-10 renewal']);
    expect(listed.filter((c) => 'termEnd' in c).map((c) => c.trigger)).toEqual(['renewal', 'renewal']);
    expect((await listRecordedCycles(fixture.store.db, 'P2')).map((c) => c.cycle)).toEqual(['2025-10', '2026-10']);
    expect(await listRecordedCycles(fixture.store.db, 'P9')).toEqual([]);
    expect((await decisionsOfPartner(fixture.store.db, 'P2')).map((row) => row.trigger)).toEqual(['renewal', 'anniversary']);
  });

  it('keeps nothing of a decision whose transaction rolls back', async () => {
    const confirmed = decide(renewalCycle(), renewalEvidence({ supportTerms: renewed }));
    await expect(
      fixture.store.db.transaction().execute(async (trx) => {
        await recordDecision(trx, 1, confirmed, RECORDED_AT);
        throw new Error('the run stopped');
      }),
    ).rejects.toThrow('the run stopped');
    expect(await listRecordedCycles(fixture.store.db)).toEqual([]);
    expect(await decisionCount()).toBe(0);
  });
});
