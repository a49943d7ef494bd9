import { describe, expect, it } from 'vitest';
import { findPartner, listPartnersWithTerms } from '../../src/store/partners.js';
import { ENGINES } from '../helpers/engines.js';
import { useStore } from '../helpers/use-store.js';

describe.each(ENGINES)('partners read from the database on %s', (engine) => {
  const fixture = useStore(engine, async (store) => {
    const partner = (id: string, noticeTo: string, noticeCc: string, locale = 'ja') => ({
      partner_id: id,
      partner_name: `株式会社 ${id}`,
      onboarded_on: '2020-10-05',
      notice_to: noticeTo,
      notice_cc: noticeCc,
      locale,
      status: 'direct_bill',
      tenant_ids: '',
      location_ids: '',
      regions: '',
      batch_id: 1,
    });
    await store.db
      .insertInto('partners')
      .values([partner('P2', 'b@example.com', '', 'en'), partner('P1', ' a@example.com ; ops@example.com;', ';cc@example.com; ;'), partner('P3', 'c@example.com', '')])
      .execute();
    const term = (id: string, termStart: string, termEnd: string, plan = 'ASfP') => ({ partner_id: id, plan, term_start: termStart, term_end: termEnd, batch_id: 1 });
    await store.db
      .insertInto('support_plans')
      .values([term('P1', '2026-11-01', '2027-10-31', 'PSfP'), term('P2', '2025-04-01', '2026-03-31'), term('P1', '2025-11-01', '2026-10-31')])
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
