import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Partner } from '../../src/domain/types.js';
import { renderCorrectionNotice } from '../../src/mail/correction.js';
import { loadTemplates } from '../../src/mail/render.js';
import { REPO_ROOT } from '../helpers/cli.js';

const TEMPLATES = loadTemplates(path.join(REPO_ROOT, 'templates'));
const PARTNER: Partner = { partnerId: '4010004', name: 'Contoso <Partners> Ltd', onboardedOn: '2021-03-03', noticeTo: ['a@example.com'], noticeCc: [], locale: 'en', status: 'direct_bill' };
const INPUT = { partner: PARTNER, trigger: 'renewal' as const, cycle: '2026-10', outcome: 'confirmed' as const, replacedOutcome: 'transition_required' as const, earlierNoticeOn: '2026-10-15', decidedOn: '2026-11-02', reapplyEligibleOn: null };

describe('the correction notice', () => {
  it('says in English that it corrects the notice of its date, what that notice said, and that the wait no longer applies', () => {
    const mail = renderCorrectionNotice(INPUT, TEMPLATES);
    expect(mail.subject).toBe('Correction to our notice of 15 October 2026: CSP direct-bill re-evaluation October 2026: Contoso <Partners> Ltd — all requirements met');
    expect(mail.text).toContain('This message corrects our notice of 15 October 2026 about the annual re-evaluation in your support-plan renewal month (October 2026)');
    expect(mail.text).toContain('Result in our notice of 15 October 2026: requirements not met; a move to the indirect reseller model is required');
    expect(mail.text).toContain('Corrected result: all requirements met; you remain a CSP direct-bill partner');
    expect(mail.text).toContain('the waiting period before re-applying for direct billing no longer applies');
    expect(mail.html).toContain('corrects our notice of 15 October 2026</strong>');
    expect(mail.html).toContain('Contoso &lt;Partners&gt; Ltd');
    expect(mail.html).not.toContain('Contoso <Partners>');
  });

  it('in Japanese, a partner now told to move is given the date from which it may re-apply', () => {
    const mail = renderCorrectionNotice(
      { ...INPUT, partner: { ...PARTNER, name: '株式会社さくらクラウド', locale: 'ja' }, outcome: 'transition_required', replacedOutcome: 'confirmed', reapplyEligibleOn: '2027-11-02' },
      TEMPLATES,
    );
    expect(mail.subject).toBe('【訂正】2026年10月15日付けでお送りした CSP 直接請求パートナー再評価（2026年10月）の結果について（株式会社さくらクラウド 御中）');
    expect(mail.text).toContain('【訂正前の結果（2026年10月15日付けのご案内）】すべての要件を充足');
    expect(mail.text).toContain('【訂正後の結果】一部の要件が未充足（間接リセラーへの移行が必要）');
    expect(mail.text).toContain('なお、直接請求パートナーへの再申請は 2027年11月2日以降に可能となります。');
    expect(mail.html).toContain('<strong>2027年11月2日以降</strong>');
  });

  it('a cycle the partner was never told of gets its result, not a correction', () => {
    const mail = renderCorrectionNotice({ ...INPUT, replacedOutcome: 'needs_review', earlierNoticeOn: null }, TEMPLATES);
    expect(mail.subject).toBe('CSP direct-bill re-evaluation October 2026: Contoso <Partners> Ltd — all requirements met');
    expect(mail.text).not.toMatch(/\bcorrect(s|ed|ion)\b/i);
    expect(mail.text).toContain('Result: all requirements met');
  });
});
