import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RevenueCheck } from '../../src/domain/checks.js';
import type { Decision, Outcome, Partner } from '../../src/domain/types.js';
import { loadTemplates, type OpsSummaryInput, renderOpsSummary, renderPartnerNotice } from '../../src/mail/render.js';
import { parseDecimal } from '../../src/money/decimal.js';
import { checkRecord } from '../../src/rules/check-text.js';
import { evaluate } from '../../src/rules/evaluate.js';
import {
  AS_OF,
  anniversaryCycle,
  anniversaryEvidence,
  assessment,
  defaultPolicy,
  partner,
  renewalCycle,
  renewalEvidence,
  revenue,
  snapshot,
  term,
} from '../builders/index.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-store.js';

const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');
const templates = loadTemplates(TEMPLATES_DIR);
const policy = defaultPolicy();

const renewed = [term('2025-11-01', '2026-10-31'), term('2026-11-01', '2027-10-31', 'PSfP')];

function renewalDecision(who: Partner, overrides: Parameters<typeof renewalEvidence>[0] = {}): Decision {
  return evaluate(renewalCycle(), who, renewalEvidence(overrides), policy, AS_OF);
}

function anniversaryDecision(who: Partner, overrides: Parameters<typeof anniversaryEvidence>[0] = {}): Decision {
  return evaluate(anniversaryCycle(), who, anniversaryEvidence(overrides), policy, AS_OF);
}

/** Every fragment in every text, so a failure names the fragment that is missing. */
function expectAllIn(texts: string[], fragments: string[]): void {
  for (const text of texts) for (const fragment of fragments) expect(text).toContain(fragment);
}

/** Decides one renewal cycle, checks that it came out as the test means it to, and renders its notice. */
function renewalNotice(who: Partner, outcome: Outcome, overrides: Parameters<typeof renewalEvidence>[0] = {}) {
  const decision = renewalDecision(who, overrides);
  expect(decision.outcome).toBe(outcome);
  const mail = notice(who, [decision]);
  expect(mail.kinds).toEqual([outcome]);
  return { decision, mail };
}

function notice(who: Partner, decisions: Decision[]) {
  const rendered = renderPartnerNotice({ partner: who, decisions, asOf: AS_OF }, templates);
  if (!rendered) throw new Error('expected a notice');
  return rendered;
}

const shortOfRevenue = { revenue: revenue([{ amount: '999999.99' }]) };
const weakSecurity = { security: snapshot({ adminUsers: 10, adminUsersWithMfa: 9, securityContact: null }) };

describe('partner notice: transition to indirect reseller', () => {
  const contoso = partner({ partnerId: '4012345', name: 'Contoso Ltd', locale: 'en' });
  const hikari = partner({ partnerId: '4010003', name: '株式会社ひかりソリューションズ', locale: 'ja' });

  it('in English: says the partner must move, lists each unmet requirement with both values, and gives the re-apply date', () => {
    const { mail } = renewalNotice(contoso, 'transition_required', shortOfRevenue);
    expect(mail.subject).toBe('CSP direct-bill re-evaluation 2026-10: Contoso Ltd — action required: move to indirect reseller');
    expectAllIn([mail.text, mail.html], [
      'Contoso Ltd',
      '4012345',
      'Support-plan renewal month: October 2026',
      'must move from direct billing to the indirect reseller model',
      'CSP authorisation',
      '$999,999.99',
      'at least $1,000,000.00',
      'again from',
      '15 October 2027',
      'revenue from 1 October 2025 to 30 September 2026',
      'CSP Program Operations',
    ]);
    expect(mail.text).toContain('* CSP transaction revenue, trailing 12 months (TTM): $999,999.99 (required: at least $1,000,000.00)');
    expect(mail.text).not.toMatch(/999999\.99|1000000\.00|2027-10-15/);
  });

  it('in Japanese: formal letter with 御中, the move to 間接リセラー, amounts in 米ドル and Japanese dates', () => {
    const { mail } = renewalNotice(hikari, 'transition_required', shortOfRevenue);

    expect(mail.subject.startsWith('【重要】')).toBe(true);
    expectAllIn([mail.subject], ['株式会社ひかりソリューションズ', '間接リセラー', '2026年10月']);
    expectAllIn([mail.text, mail.html], [
      '株式会社ひかりソリューションズ 御中',
      '4010003',
      '平素より',
      'CSP 直接請求パートナー',
      '間接リセラーへの移行',
      '直近 12 か月 (TTM) の CSP 取引収益',
      '999,999.99 米ドル',
      '1,000,000.00 米ドル以上',
      '再申請',
      '2027年10月15日以降',
      '2025年10月1日～2026年9月30日',
      '未充足',
      'CSP プログラム運営チーム',
    ]);
    expect(mail.html).toContain('<html lang="ja">');
    expect(mail.text).not.toMatch(/2027-10-15|999999\.99/);
  });

  it('in Japanese: security failures show coverage as a percentage with counts and an unregistered contact as 未登録', () => {
    const mail = notice(hikari, [anniversaryDecision(hikari, weakSecurity)]);

    expect(mail.text).toContain('CSP オンボード記念月（2026年10月）');
    expect(mail.text).toContain('管理者ユーザーの多要素認証 (MFA)：90%（管理者ユーザー 10 名中 9 名）（要件：管理者ユーザーの 100%）');
    expect(mail.text).toContain('パートナー センターのセキュリティ連絡先：未登録');
    expect(mail.text).toContain('セキュリティ アラートへの対応：充足');
    expect(mail.text).toContain('2026年10月1日時点');
  });

  it('in English: a failed score reads as a score out of 100 against the pass mark', () => {
    const lowScore = assessment({ sell: ['68.5'], secure: ['68.5'], support: ['68.5'] });
    const decision = renewalDecision(contoso, { assessment: lowScore });
    expect(checkRecord(decision.checks[1]!)).toMatchObject({ id: 'assessment_score', result: 'fail', observed: '68.50' });

    const mail = notice(contoso, [decision]);
    expect(mail.text).toContain('Re-evaluation questionnaire score: 68.5 / 100 (required: at least 70 / 100)');
    expect(mail.text).toContain('questionnaire of 1 September 2026');
  });
});

describe('partner notice: awaiting the support-plan renewal', () => {
  it('asks for the renewal by the deadline, in the subject and in both parts', () => {
    const northwind = partner({ name: 'Northwind Cloud Services' });
    const { decision, mail } = renewalNotice(northwind, 'awaiting_support_renewal');
    expect(decision.deadline).toBe('2026-10-31');
    expect(mail.subject).toContain('renew your support plan by 31 October 2026');
    expectAllIn([mail.text, mail.html], [
      'Advanced Support for Partners (ASfP)',
      'Premier Support for Partners (PSfP)',
      '31 October 2026',
      'not yet determined',
    ]);
    expect(mail.text).not.toContain('must move from direct billing');
  });

  it('in Japanese gives the deadline as a Japanese date', () => {
    const tsubasa = partner({ name: '株式会社つばさシステムズ', locale: 'ja' });
    const mail = notice(tsubasa, [renewalDecision(tsubasa)]);
    expect(mail.text).toContain('2026年10月31日までに');
    expect(mail.text).toContain('サポート プラン');
    expect(mail.text).toContain('確認中');
    expect(mail.subject).toContain('期限 2026年10月31日');
  });
});

describe('partner notice: several decisions in one run', () => {
  const litware = partner({ partnerId: '4010012', name: 'Litware Security KK' });

  it('covers both cycles in one email, with the distinct outcomes in decision order', () => {
    const renewal = renewalDecision(litware, { supportTerms: renewed });
    const anniversary = anniversaryDecision(litware, weakSecurity);
    expect([renewal.outcome, anniversary.outcome]).toEqual(['confirmed', 'transition_required']);

    const mail = notice(litware, [renewal, anniversary]);
    expect(mail.kinds).toEqual(['confirmed', 'transition_required']);
    expect(notice(litware, [anniversary, renewal]).kinds).toEqual(['transition_required', 'confirmed']);
    expect(mail.text).toContain('Support-plan renewal month: October 2026');
    expect(mail.text).toContain('Onboarding anniversary month (security requirements): October 2026');
    expect(mail.text).toContain('PSfP term starting 1 November 2026');
    // The move dominates: the confirmed renewal must not tell the partner it carries on as before.
    expect(mail.subject).toContain('move to indirect reseller');
    expect(mail.text).not.toContain('continues as a CSP direct-bill partner');
  });

  it('lists an outcome once however many decisions share it, and says when each review comes again', () => {
    const mail = notice(litware, [renewalDecision(litware, { supportTerms: renewed }), anniversaryDecision(litware)]);
    expect(mail.kinds).toEqual(['confirmed']);
    expect(mail.subject).toBe('CSP direct-bill re-evaluation 2026-10: Litware Security KK — all requirements met');
    expect(mail.text).toContain('Your next re-evaluation is due in your support-plan renewal month, October 2027.');
    expect(mail.text).toContain('Your security requirements will next be validated in October 2027.');
  });
});

describe('partner notice: nothing to say', () => {
  it('is null for no decisions', () => {
    expect(renderPartnerNotice({ partner: partner(), decisions: [], asOf: AS_OF }, templates)).toBeNull();
  });

  it('is null when the only decision needs review: operations are told, not the partner', () => {
    const stale = renewalDecision(partner(), { revenue: revenue([{ amount: '5.00' }], { feedReachesWindowEnd: false }) });
    expect(stale.outcome).toBe('needs_review');
    expect(renderPartnerNotice({ partner: partner(), decisions: [stale], asOf: AS_OF }, templates)).toBeNull();
  });
});

describe('partner notice: hostile data', () => {
  it('escapes a partner name that is markup in the HTML part and keeps it on one line in the subject', () => {
    const hostile = partner({ name: '<script>alert(1)</script>"><img src=x>\r\nBcc: victim@example.com' });
    const mail = notice(hostile, [renewalDecision(hostile, shortOfRevenue)]);

    expect(mail.html).not.toContain('<script>alert(1)</script>');
    expect(mail.html).not.toContain('<img src=x>');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('&quot;&gt;&lt;img src&#x3D;x&gt;');
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).toContain('<script>alert(1)</script>"><img src=x> Bcc: victim@example.com');
  });

  it('escapes a security contact that carries markup', () => {
    const who = partner();
    const decision = anniversaryDecision(who, { security: snapshot({ securityContact: 'x@y.z<script>' }) });
    expect(checkRecord(decision.checks.find((check) => check.id === 'security_contact')!)).toMatchObject({ result: 'fail', observed: 'x@y.z<script>' });

    const mail = notice(who, [decision]);
    expect(mail.html).not.toContain('x@y.z<script>');
    expect(mail.html).toContain('x@y.z&lt;script&gt;');
    expect(mail.text).toContain('x@y.z<script> (not a valid email address)');
  });

  it('formats amounts from their decimal text, digits a float would lose included', () => {
    const who = partner();
    const decision = renewalDecision(who, shortOfRevenue);
    const huge: RevenueCheck = { ...(decision.checks[0] as RevenueCheck), totalUsd: parseDecimal('-12345678901234567.89') };
    const mail = notice(who, [{ ...decision, checks: [huge] }]);
    expect(mail.text).toContain('-$12,345,678,901,234,567.89');
  });
});

describe('operations summary', () => {
  const input: OpsSummaryInput = {
    asOf: AS_OF,
    runId: 42,
    policyVersion: '2025-10',
    counts: { confirmed: 4, awaiting_support_renewal: 2, transition_required: 3, needs_review: 2 },
    needsReview: [
      { partnerId: '4010005', partnerName: '株式会社みどりネットワーク', trigger: 'renewal', cycle: '2026-10', missing: [{ checkId: 'ttm_revenue', detail: 'no revenue dated in 2026-09 has been imported for anyone yet' }] },
      {
        partnerId: '4010008',
        partnerName: '<b>Tailspin</b>',
        trigger: 'anniversary',
        cycle: '2026-10',
        missing: ['mfa_admins', 'security_contact', 'alert_response'].map((checkId) => ({ checkId, detail: 'no security snapshot on or before 2026-10-15' })),
      },
    ],
    missingSupportPlan: [
      { partnerId: '4010011', partnerName: 'アドベンチャー ワークス ジャパン株式会社' },
      { partnerId: '4010013', partnerName: '4010013' },
    ],
    failedSends: [{ partnerId: '4010004', to: ['alliances@contoso-partners.example.com'], error: 'SMTP send failed [EMESSAGE]: 451 Mailbox busy' }],
  };

  it('counts by outcome and lists every needs-review cycle with what is missing, the partners without a plan and failed sends', () => {
    const mail = renderOpsSummary(input, templates);
    expectAllIn([mail.subject], ['run 42', 'needs review 2', 'failed sends 1']);
    expectAllIn([mail.text, mail.html], [
      '15 October 2026',
      '2025-10',
      '4010005',
      '株式会社みどりネットワーク',
      'ttm_revenue: no revenue dated in 2026-09 has been imported for anyone yet',
      'mfa_admins, security_contact, alert_response: no security snapshot on or before 2026-10-15',
      '4010011 アドベンチャー ワークス ジャパン株式会社',
      'alliances@contoso-partners.example.com',
      '451 Mailbox busy',
    ]);
    for (const body of [mail.text, mail.html]) expect(body).not.toContain('4010013 4010013');
    expect(mail.text).toContain('Transition required (move to indirect reseller): 3');
    expect(mail.text).toContain('Needs review (no partner notice): 2');
    expect(mail.html).toMatch(/data-outcome="awaiting_support_renewal">[\s\S]*?>2<\/td>/);
    expect(mail.html).toContain('&lt;b&gt;Tailspin&lt;/b&gt;');
  });

  it('says None for empty sections rather than leaving them blank', () => {
    const quiet = renderOpsSummary({ ...input, needsReview: [], missingSupportPlan: [], failedSends: [] }, templates);
    expect(quiet.text.match(/None\./g)).toHaveLength(3);
    expect(quiet.subject).not.toContain('failed sends');
  });
});

describe('loadTemplates', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => cleanup?.());

  function copyOfTemplates(): string {
    const temp = tempDir();
    cleanup = temp.cleanup;
    cpSync(TEMPLATES_DIR, temp.dir, { recursive: true });
    return temp.dir;
  }

  it('names the file when a template or a partial is missing', () => {
    const dir = copyOfTemplates();
    rmSync(path.join(dir, 'partner-notice.ja.html.hbs'));
    expect(() => loadTemplates(dir)).toThrow(/partner-notice\.ja\.html\.hbs is missing/);
    rmSync(path.join(dir, 'partials', 'html-layout.hbs'));
    expect(() => loadTemplates(dir)).toThrow(/html-layout\.hbs is missing/);
  });

  it('rejects a broken template, or one calling an unknown helper, when loading rather than when mailing', () => {
    const dir = copyOfTemplates();
    const file = path.join(dir, 'partner-notice.en.txt.hbs');
    writeFileSync(file, 'Dear {{#if partnerName}}{{partnerName}} team,\n');
    expect(() => loadTemplates(dir)).toThrow(/partner-notice\.en\.txt\.hbs is not valid/);
    writeFileSync(file, 'Dear {{shout partnerName}} team,\n');
    expect(() => loadTemplates(dir)).toThrow(/partner-notice\.en\.txt\.hbs is not valid/);
  });
});
