import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RevenueEvidence } from '../../src/domain/types.js';
import { loadTemplates } from '../../src/mail/render.js';
import { renderPartnerMail } from '../../src/mail/warning-notice.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { projectCycle, projectionWindow, type UpcomingCycle } from '../../src/rules/projection.js';
import { anniversaryCycle, anniversaryEvidence, assessment, defaultPolicy, partner, snapshot } from '../builders/index.js';
import { REPO_ROOT } from '../helpers/cli.js';

const templates = loadTemplates(path.join(REPO_ROOT, 'templates'));
const policy = defaultPolicy();
const AS_OF = '2026-10-15';
const JANUARY: UpcomingCycle = { partnerId: 'P1', trigger: 'renewal', cycle: '2027-01', termEnd: '2027-01-31', monthsBefore: 3 };

function ttm(amount: string, currency = 'USD'): RevenueEvidence {
  const window = projectionWindow(AS_OF, policy);
  return { window, feedReachesWindowEnd: true, latestRevenueMonth: '2026-09', groups: [{ month: '2026-09', currency, amount, lines: 1 }], fxRates: {} };
}

const shortOfRevenue = projectCycle(JANUARY, { revenue: ttm('817600.00'), assessment: [] }, policy, AS_OF);

describe('the early-warning notice', () => {
  it('in English: the cycle month, the shortfall, what it was projected from, what to do and by when, and that it is not a decision', () => {
    const mail = renderPartnerMail({ partner: partner(), decisions: [], warnings: [shortOfRevenue], asOf: AS_OF, policy }, templates)!;
    expect(mail.kinds).toEqual(['early_warning']);
    expect(mail.subject).toContain('January 2027');
    expect(mail.subject).toContain('31 December 2026');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('This is not a decision');
      expect(body).toContain('Support-plan renewal month: January 2027');
      expect(body).toContain('$817,600.00');
      expect(body).toContain('USD 182,400.00 short of 1,000,000.00');
      expect(body).toContain('revenue through September 2026');
      expect(body).toContain('1 January 2026 to 31 December 2026');
      expect(body).toContain('complete the re-evaluation questionnaire in Partner Center by 31 December 2026');
    }
  });

  it('in Japanese, text and HTML alike', () => {
    const mail = renderPartnerMail({ partner: partner({ locale: 'ja', name: '株式会社テスト' }), decisions: [], warnings: [shortOfRevenue], asOf: AS_OF, policy }, templates)!;
    expect(mail.subject).toBe('【事前のお知らせ】CSP 直接請求パートナー再評価（2027年1月）に向けたご対応のお願い（期限 2026年12月31日）（株式会社テスト 御中）');
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain('再評価の結果をお知らせするものではなく');
      expect(body).toContain('1,000,000.00 米ドルに対して 182,400.00 米ドル不足');
      expect(body).toContain('2026年9月までの CSP 取引収益');
      expect(body).toContain('ご回答を確認できておりません');
      expect(body).toContain('2026年12月31日');
    }
  });

  it('shows only the checks at risk: what our own data cannot tell is never put to the partner', () => {
    const priced = projectCycle(JANUARY, { revenue: ttm('50000000', 'JPY'), assessment: [] }, policy, AS_OF);
    expect(priced.checks[0]!.result).toBe('unknown');
    const mail = renderPartnerMail({ partner: partner(), decisions: [], warnings: [priced], asOf: AS_OF, policy }, templates)!;
    expect(mail.text).not.toContain('CSP transaction revenue, trailing 12 months');
    expect(mail.text).toContain('Re-evaluation questionnaire score');
  });

  it('a partner on track, or only in want of our data, is sent nothing', () => {
    const fine = projectCycle(JANUARY, { revenue: ttm('1000000'), assessment: assessment({ sell: ['80'], secure: ['80'], support: ['80'] }, '2026-10-01') }, policy, AS_OF);
    expect(fine.status).toBe('on_track');
    expect(renderPartnerMail({ partner: partner(), decisions: [], warnings: [fine], asOf: AS_OF, policy }, templates)).toBeNull();
  });

  it('joins a decision made in the same run: one notice, both kinds, the warning after the decision', () => {
    const decision = evaluate(anniversaryCycle(), partner(), anniversaryEvidence({ security: snapshot() }), policy, AS_OF);
    for (const locale of ['en', 'ja'] as const) {
      const mail = renderPartnerMail({ partner: partner({ locale }), decisions: [decision], warnings: [shortOfRevenue], asOf: AS_OF, policy }, templates)!;
      expect(mail.kinds).toEqual(['confirmed', 'early_warning']);
      const warned = locale === 'en' ? 'USD 182,400.00 short of 1,000,000.00' : '182,400.00 米ドル不足';
      expect(mail.text).toContain(warned);
      expect(mail.html).toContain(warned);
      expect(mail.text.indexOf(warned)).toBeGreaterThan(mail.text.indexOf(locale === 'en' ? 'What we checked' : '［確認項目］'));
    }
  });
});
