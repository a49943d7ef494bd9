import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckRecord, DecisionRecord } from '../../src/domain/types.js';
import { REPO_ROOT, runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import {
  allRequirements,
  contactRequirement,
  customersMfaRequirement,
  mfaRequirement,
  responseTimeRequirement,
  scoreLine,
  spendingBudgetRequirement,
  withRawNumber,
} from '../helpers/graph-security-score.js';
import { PARTNERS_CSV, PGA } from '../helpers/partner-center.js';

const AS_OF = '2026-10-15';
/** A second tenant of the same PGA, and a tenant no partner lists. */
const SECOND_TENANT = '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d';
const STRANGER = 'ffffffff-0000-4000-8000-00000000abcd';

/** Security snapshots from both sources, imported and decided through the command line. */
describe.each(ENGINES)('security snapshots from the CSV and from Microsoft Graph, on %s', (engine) => {
  let temp: TestDatabase;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    const partners = PARTNERS_CSV.replace(PGA.tenant, `${PGA.tenant};${SECOND_TENANT}`);
    expect((await cli('import', 'partners', write('partners.csv', partners))).code).toBe(0);
    expect((await cli('import', 'support-plans', write('plans.csv', `partner_id,plan,term_start,term_end\n${PGA.partnerId},ASfP,2026-04-01,2027-03-31\n`))).code).toBe(0);
  });
  afterEach(async () => temp.cleanup());

  const write = (name: string, content: string) => {
    const file = path.join(temp.dir, name);
    writeFileSync(file, content);
    return file;
  };
  const cli = (...args: string[]) => runCli(args, { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox') });
  const importScore = (lines: string[], name = 'security-score.jsonl') => cli('import', 'security', write(name, `${lines.join('\n')}\n`), '--format', 'graph-security-score');
  /** What a run as of AS_OF would decide for the partner's anniversary cycle, recorded nowhere. */
  const decision = async (policy?: string): Promise<DecisionRecord> => {
    const result = await cli(...(policy ? ['--policy', policy] : []), 'explain', PGA.partnerId, '--as-of', AS_OF, '--json');
    expect(result.stderr).toBe('');
    const due = (JSON.parse(result.stdout) as { dueNow: DecisionRecord[] }).dueNow.filter((d) => d.trigger === 'anniversary');
    expect(due).toHaveLength(1);
    return due[0]!;
  };
  const check = (d: DecisionRecord, id: string): CheckRecord => d.checks.find((c) => c.id === id)!;
  const results = (d: DecisionRecord) => Object.fromEntries(d.checks.map((c) => [c.id, c.result]));
  const snapshots = () => temp.query('select partner_id, as_of, source from security_snapshots order by partner_id, as_of');

  it('imports a security score and decides from it, every check naming its source', async () => {
    const result = await importScore([scoreLine(PGA.tenant)]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/security-score\.jsonl: security \(Microsoft Graph's partner security score\), UTF-8 — 1 rows read, 1 inserted, 0 replaced, 0 unmatched/);
    const d = await decision();
    expect(d.outcome).toBe('confirmed');
    expect(d.checks.map((c) => [c.id, c.result, c.observed, c.required])).toEqual([
      ['mfa_admins', 'pass', '1', '>= 1'],
      ['security_contact', 'pass', 'provided', 'present'],
      ['alert_response', 'pass', '1.2', '<= 24'],
    ]);
    for (const c of d.checks) {
      expect(c.evidence).toMatchObject({ source: 'graph-security-score', snapshotAsOf: '2026-10-01', tenants: [{ tenantId: PGA.tenant, retrievedDateTime: '2026-10-01T06:00:00Z' }] });
      expect(String(c.evidence.sourceFile)).toMatch(/security-score\.jsonl$/);
    }
    expect(check(d, 'mfa_admins').evidence).toMatchObject({ adminUsers: 2, adminUsersWithMfa: 2 });
  });

  it("keeps the customers' requirements as evidence, and they decide nothing", async () => {
    await importScore([scoreLine(PGA.tenant)]);
    const d = await decision();
    expect(d.outcome).toBe('confirmed');
    expect(check(d, 'mfa_admins').evidence.customerRequirements).toEqual([
      expect.objectContaining({ requirementType: 'mfaEnforcedForAdminsOfCustomers', complianceStatus: 'noncomplaint', totalTenantCount: '12', compliantTenantCount: '3' }),
      expect.objectContaining({ requirementType: 'spendingBudgetSetForCustomerAzureSubscriptions', customersWithSpendBudgetCount: '4' }),
    ]);
  });

  it('counts admins without MFA from mfaEnforcedForAdmins: one of three without it fails', async () => {
    await importScore([scoreLine(PGA.tenant, [mfaRequirement({ complianceStatus: 'nonCompliant', mfaEnabledAdminsCount: 2, adminsRequiredNotUsingMfaCount: 1, totalAdminsCount: 3 }), contactRequirement(), responseTimeRequirement()])]);
    const d = await decision();
    expect(check(d, 'mfa_admins')).toMatchObject({ result: 'fail', observed: '0.6666' });
    expect(check(d, 'mfa_admins').evidence).toMatchObject({ adminUsers: 3, adminUsersWithMfa: 2 });
    expect(d.outcome).toBe('transition_required');
  });

  it.each(['noncomplaint', 'nonCompliant'])('a security contact requirement %s fails the contact check', async (status) => {
    await importScore([scoreLine(PGA.tenant, [mfaRequirement(), contactRequirement({ complianceStatus: status }), responseTimeRequirement()])]);
    const d = await decision();
    expect(check(d, 'security_contact')).toMatchObject({ result: 'fail', observed: 'none', required: 'present' });
    expect(d.outcome).toBe('transition_required');
  });

  it('unknownFutureValue, a requirement in preview or a missing requirement is unknown, never failed', async () => {
    await importScore([
      scoreLine(PGA.tenant, [mfaRequirement({ state: 'preview', mfaEnabledAdminsCount: 0, adminsRequiredNotUsingMfaCount: 5 }), contactRequirement({ complianceStatus: 'unknownFutureValue' })]),
    ]);
    const d = await decision();
    expect(results(d)).toEqual({ mfa_admins: 'unknown', security_contact: 'unknown', alert_response: 'unknown' });
    expect(d.outcome).toBe('needs_review');
    expect(check(d, 'mfa_admins').missing).toEqual({ reason: 'requirement_unknown', detail: 'the mfaEnforcedForAdmins requirement is in preview' });
    expect(check(d, 'security_contact').missing?.detail).toBe("the securityContactProvided requirement's complianceStatus is 'unknownFutureValue'");
    expect(check(d, 'alert_response').missing?.detail).toBe('the score has no securityAlertsPromptlyResolved requirement');
  });

  it('compares the average response time exactly with security.maxAverageAlertResponseHours', async () => {
    const withAverage = (raw: string) => withRawNumber(scoreLine(PGA.tenant, [mfaRequirement(), contactRequirement(), responseTimeRequirement({ averageResponseTimeInHours: '@@hours@@' })]), 'hours', raw);
    const cases: Array<[string, string, string]> = [
      ['24', 'pass', '24'],
      ['"24.000001"', 'fail', '24.000001'],
      ['2.4E+1', 'pass', '24'],
      ['3.4000000953674316', 'pass', '3.4000000953674316'],
      ['30.5', 'fail', '30.5'],
    ];
    for (const [index, [raw, result, observed]] of cases.entries()) {
      // A new day each time, so each snapshot is the latest.
      const line = withAverage(raw).replace('2026-10-01T06:00:00Z', `2026-10-0${index + 2}T06:00:00Z`);
      expect((await importScore([line], `score-${index}.jsonl`)).code).toBe(0);
      expect(check(await decision(), 'alert_response')).toMatchObject({ result, observed, required: '<= 24' });
    }
    const policy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'data', 'policy.json'), 'utf8')) as { security: Record<string, unknown> };
    policy.security.maxAverageAlertResponseHours = '36';
    const lenient = write('policy.json', JSON.stringify(policy));
    expect(check(await decision(lenient), 'alert_response')).toMatchObject({ result: 'pass', observed: '30.5', required: '<= 36' });
  });

  it('takes the UTC day of retrievedDateTime as the snapshot date', async () => {
    await importScore([scoreLine(PGA.tenant, allRequirements(), '2026-09-30T22:00:00-04:00')]);
    expect(await snapshots()).toEqual([{ partner_id: PGA.partnerId, as_of: '2026-10-01', source: 'graph-security-score' }]);
  });

  it('counts and lists a tenant no partner lists, and imports nothing for it', async () => {
    const result = await importScore([scoreLine(STRANGER), scoreLine(PGA.tenant)]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/2 rows read, 1 inserted, 0 replaced, 1 unmatched \(not imported\)/);
    expect(result.stderr).toContain(`  line 1: no partner has tenant ${STRANGER} in its tenant_ids`);
    expect(await snapshots()).toEqual([{ partner_id: PGA.partnerId, as_of: '2026-10-01', source: 'graph-security-score' }]);
  });

  it("combines a partner's tenants: every admin counts, and one tenant without a contact fails it", async () => {
    const second = [mfaRequirement({ mfaEnabledAdminsCount: 3, adminsRequiredNotUsingMfaCount: 1 }), contactRequirement({ complianceStatus: 'noncomplaint' }), responseTimeRequirement({ averageResponseTimeInHours: '30' })];
    await importScore([scoreLine(PGA.tenant), scoreLine(SECOND_TENANT, second, '2026-10-02T01:00:00Z')]);
    const d = await decision();
    expect(d.checks.map((c) => [c.id, c.result, c.observed])).toEqual([
      ['mfa_admins', 'fail', '0.8333'],
      ['security_contact', 'fail', 'none'],
      ['alert_response', 'fail', '30'],
    ]);
    expect(check(d, 'mfa_admins').evidence).toMatchObject({ adminUsers: 6, adminUsersWithMfa: 5, snapshotAsOf: '2026-10-01' });
  });

  it('rejects a line that is not JSON or lacks tenantId or retrievedDateTime, naming each line, and changes nothing', async () => {
    const result = await importScore([
      scoreLine(PGA.tenant),
      '{"tenantId": "x", ',
      '',
      JSON.stringify({ retrievedDateTime: '2026-10-01T06:00:00Z', requirements: allRequirements() }),
      JSON.stringify({ tenantId: SECOND_TENANT, requirements: allRequirements() }),
      '[1, 2]',
      scoreLine(PGA.tenant, [mfaRequirement({ mfaEnabledAdminsCount: -1 })]),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/security-score\.jsonl:2: is not JSON/);
    expect(result.stderr).toContain('security-score.jsonl:4 column tenantId value "": is missing');
    expect(result.stderr).toContain('security-score.jsonl:5 column retrievedDateTime value "": is missing');
    expect(result.stderr).toContain('security-score.jsonl:6: is not a JSON object');
    expect(result.stderr).toContain('security-score.jsonl:7 column mfaEnabledAdminsCount value "-1": is not a whole number of admins ≥ 0');
    expect(result.stderr).toMatch(/\(5 problems\)/);
    expect(await snapshots()).toEqual([]);
  });

  it('recognises the JSON Lines without --format, and in a folder by the name security-score.jsonl', async () => {
    const plain = await cli('import', 'security', write('score.jsonl', `\ufeff${scoreLine(PGA.tenant)}\r\n\r\n`));
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/score\.jsonl: security \(Microsoft Graph's partner security score\)/);

    const dir = path.join(temp.dir, 'incoming');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'security-score.jsonl'), scoreLine(PGA.tenant, allRequirements(), '2026-10-03T06:00:00Z'));
    const folder = await cli('import', dir);
    expect(folder.code).toBe(0);
    expect(folder.stderr).toMatch(/security-score\.jsonl: security \(Microsoft Graph's partner security score\)/);
    expect(await snapshots()).toEqual([
      { partner_id: PGA.partnerId, as_of: '2026-10-01', source: 'graph-security-score' },
      { partner_id: PGA.partnerId, as_of: '2026-10-03', source: 'graph-security-score' },
    ]);
  });

  it('imports a malformed security contact from the CSV as it is, and it fails the contact check', async () => {
    const csv = `partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time\n${PGA.partnerId},2026-10-01,2,2,soc at fourthcoffee,0,0\n`;
    const result = await cli('import', 'security', write('security.csv', csv));
    expect(result.code).toBe(0);
    expect(await temp.query('select security_contact, source from security_snapshots')).toEqual([{ security_contact: 'soc at fourthcoffee', source: 'csv' }]);
    const d = await decision();
    expect(check(d, 'security_contact')).toMatchObject({ result: 'fail', observed: 'soc at fourthcoffee' });
    expect(check(d, 'security_contact').evidence).toMatchObject({ source: 'csv', problem: 'not a well-formed email address' });
    expect(String(check(d, 'security_contact').evidence.sourceFile)).toMatch(/security\.csv$/);
  });

  it('tells the partner in its notice, in its language, how slow it answered and what is allowed', async () => {
    await importScore([scoreLine(PGA.tenant, [mfaRequirement(), contactRequirement(), responseTimeRequirement({ averageResponseTimeInHours: '30.5' })])]);
    const run = await cli('run', '--as-of', AS_OF);
    expect(run.code).toBe(0);
    const outbox = path.join(temp.dir, 'outbox');
    const notices = await Promise.all(readdirSync(outbox).map((name) => simpleParser(readFileSync(path.join(outbox, name)))));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toMatch(/平均 30\.5 時間[\s\S]*平均 24 時間以内/);
    expect(notices[0]!.html).toMatch(/平均 30\.5 時間[\s\S]*平均 24 時間以内/);
  });

  it('refuses a policy whose security.maxAverageAlertResponseHours is not a number of hours, and runs without the key as 24', async () => {
    const policy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'data', 'policy.json'), 'utf8')) as { security: Record<string, unknown> };
    for (const bad of ['abc', '-1', '1e3']) {
      policy.security.maxAverageAlertResponseHours = bad;
      const result = await cli('--policy', write('bad-policy.json', JSON.stringify(policy)), 'due', '--as-of', AS_OF);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/security\.maxAverageAlertResponseHours/);
    }
    delete policy.security.maxAverageAlertResponseHours;
    await importScore([scoreLine(PGA.tenant, [mfaRequirement(), contactRequirement(), responseTimeRequirement({ averageResponseTimeInHours: '24' })])]);
    expect(check(await decision(write('old-policy.json', JSON.stringify(policy))), 'alert_response')).toMatchObject({ result: 'pass', required: '<= 24' });
  });
});
