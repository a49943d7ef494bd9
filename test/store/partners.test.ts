import { describe, expect, it } from 'vitest';
import { findPartner, listPartnersWithTerms } from '../../src/store/partners.js';
import { ENGINES } from '../helpers/engines.js';
import { partnerRow, supportPlanRow } from '../helpers/rows.js';
import { useStore } from '../helpers/use-store.js';

describe.each(ENGINES)('partners read from the database on %s', (engine) => {
  const fixture = useStore(engine, async (store) => {
    await store.db
      .insertInto('partners')
      .values([
        partnerRow('P2', { notice_to: 'b@example.com', locale: 'en' }),
        partnerRow('P1', { notice_to: ' a@example.com ; ops@example.com;', notice_cc: ';cc@example.com; ;' }),
        partnerRow('P3'),
      ])
      .execute();
    await store.db
      .insertInto('support_plans')
      .values([supportPlanRow('P1', '2026-11-01', '2027-10-31', 'PSfP'), supportPlanRow('P2', '2025-04-01', '2026-03-31'), supportPlanRow('P1', '2025-11-01', '2026-10-31')])
      .execute();
  });

  it('finds one partner, its address lists split on semicolons with blanks dropped', async () => {
    expect(await findPartner(fixture.store.db, 'P1')).toEqual({
      partnerId: 'P1',
      name: '株式会社 P1',
      onboardedOn: '2020-10-05',
      noticeTo: ['a@example.com', 'ops@example.com'],
      noticeCc: ['cc@example.com'],
      locale: 'ja',
      status: 'direct_bill',
    });
    expect((await findPartner(fixture.store.db, 'P2'))?.noticeCc).toEqual([]);
    expect(await findPartner(fixture.store.db, 'P9')).toBeNull();
  });

  it('lists every partner in id order with its terms in date order, and a partner without terms with none', async () => {
    const listed = await listPartnersWithTerms(fixture.store.db);
    expect(listed.map(({ partner }) => partner.partnerId)).toEqual(['P1', 'P2', 'P3']);
    expect(listed[0]!.supportTerms).toEqual([
      { plan: 'ASfP', termStart: '2025-11-01', termEnd: '2026-10-31' },
      { plan: 'PSfP', termStart: '2026-11-01', termEnd: '2027-10-31' },
    ]);
    expect(listed[1]!.supportTerms).toEqual([{ plan: 'ASfP', termStart: '2025-04-01', termEnd: '2026-03-31' }]);
    expect(listed[2]!.supportTerms).toEqual([]);
  });

  it('lists one partner when asked, with only its own terms', async () => {
    const [only, ...rest] = await listPartnersWithTerms(fixture.store.db, 'P2');
    expect(rest).toEqual([]);
    expect(only!.partner.locale).toBe('en');
    expect(only!.supportTerms.map((term) => term.termStart)).toEqual(['2025-04-01']);
    expect(await listPartnersWithTerms(fixture.store.db, 'P9')).toEqual([]);
  });
});
