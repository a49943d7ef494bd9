import { describe, expect, it } from 'vitest';
import { describeDue } from '../../src/run/due-list.js';
import { defaultPolicy } from '../builders/index.js';
import { ENGINES } from '../helpers/engines.js';
import { cycleRow, partnerRow, supportPlanRow } from '../helpers/rows.js';
import { useStore } from '../helpers/use-store.js';

const policy = defaultPolicy();
const AS_OF = '2026-10-15';

/**
 * `due` lists what `run` would decide, with why each cycle is due, and the partners left out:
 * those without a support plan and those told to move that may not re-apply yet.
 */
describe.each(ENGINES)('the due list on %s', (engine) => {
  const fixture = useStore(engine, async (store) => {
    await store.db
      .insertInto('partners')
      .values([
        partnerRow('P1', { onboarded_on: '2020-03-05', partner_name: 'Renewing KK' }),
        partnerRow('P2', { partner_name: 'Anniversary KK' }),
        partnerRow('P3', { onboarded_on: '2020-03-05' }),
        partnerRow('P4', { onboarded_on: '2020-03-05' }),
        partnerRow('P5', { onboarded_on: '2020-03-05' }),
        partnerRow('P6', { onboarded_on: '2020-03-05' }),
        partnerRow('P7', { status: 'indirect_reseller' }),
      ])
      .execute();
    await store.db
      .insertInto('support_plans')
      .values([
        supportPlanRow('P1', '2025-11-01', '2026-10-31'),
        supportPlanRow('P2', '2026-04-01', '2027-03-31'),
        supportPlanRow('P4', '2025-11-01', '2026-10-31'),
        supportPlanRow('P5', '2025-10-01', '2026-09-30'),
        supportPlanRow('P6', '2025-10-01', '2026-09-30'),
      ])
      .execute();
    await store.db
      .insertInto('cycles')
      .values([
        cycleRow('P4', 'renewal', '2025-10', { outcome: 'transition_required', final: 1, decided_on: '2025-10-20', reapply_eligible_on: '2026-10-20' }),
        cycleRow('P6', 'renewal', '2026-09', { term_end: '2026-09-30', outcome: 'awaiting_support_renewal', decided_on: '2026-09-15', deadline: '2026-09-30' }),
      ])
      .execute();
  });

  it('lists each due cycle with why it is due, and the partners left out', async () => {
    const { json, text } = await describeDue(fixture.store, policy, AS_OF);
    expect(json).toEqual({
      asOf: AS_OF,
      due: [
        { partnerId: 'P1', partnerName: 'Renewing KK', trigger: 'renewal', cycle: '2026-10', reason: 'support-plan term ends 2026-10-31' },
        { partnerId: 'P2', partnerName: 'Anniversary KK', trigger: 'anniversary', cycle: '2026-10', reason: 'onboarding anniversary (onboarded 2020-10-05)' },
        { partnerId: 'P5', partnerName: '株式会社 P5', trigger: 'renewal', cycle: '2026-09', reason: 'support-plan term ends 2026-09-30; made up (cycle month has passed)' },
        { partnerId: 'P6', partnerName: '株式会社 P6', trigger: 'renewal', cycle: '2026-09', reason: 'support-plan term ends 2026-09-30; still awaiting_support_renewal since 2026-09-15' },
      ],
      missingSupportPlan: ['P3'],
      blocked: [{ partnerId: 'P4', reapplyEligibleOn: '2026-10-20' }],
    });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`Due as of ${AS_OF} (policy ${policy.version}): 4 cycle(s)`);
    expect(lines[1]).toBe('  P1           renewal      2026-10  Renewing KK — support-plan term ends 2026-10-31');
    expect(lines.slice(-2)).toEqual(['Direct-bill partners with no support-plan term (no cycle recorded): P3', 'Told to move, not due until it may re-apply on 2026-10-20: P4']);
  });

  it('writes nothing', async () => {
    const count = async () => Number((await fixture.temp.query<{ n: unknown }>('select count(*) as n from cycles'))[0]!.n);
    const before = await count();
    await describeDue(fixture.store, policy, AS_OF);
    expect(await count()).toBe(before);
    expect(await fixture.temp.query('select * from decisions')).toEqual([]);
  });

  it('once the re-apply date has come, lists the partner again', async () => {
    const { json } = await describeDue(fixture.store, policy, '2026-10-20');
    expect(json.blocked).toEqual([]);
    expect(json.due.map((row) => row.partnerId)).toContain('P4');
  });
});
