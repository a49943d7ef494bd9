import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/run/run.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const MONTHS = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'];

/**
 * Three partners renewing in January 2027: W1 books USD 60,000 a month (short), W3 USD 100,000 (on
 * track); W2 is short as well, and its October anniversary fails MFA, so it is told to move.
 */
function writeData(dir: string): string {
  const folder = path.join(dir, 'data');
  const write = (name: string, lines: string[]) => writeFileSync(path.join(folder, name), `${lines.join('\n')}\n`);
  mkdirSync(folder, { recursive: true });
  write('partners.csv', [
    'partner_id,partner_name,onboarded_on,notice_to,locale',
    'W1,Short Revenue Ltd,2020-05-05,w1@example.com,en',
    'W2,Moving KK,2019-10-10,w2@example.com,ja',
    'W3,On Track Inc,2020-05-06,w3@example.com,en',
  ]);
  write('support-plans.csv', ['partner_id,plan,term_start,term_end', ...['W1', 'W2', 'W3'].map((id) => `${id},ASfP,2026-02-01,2027-01-31`)]);
  write('revenue.csv', [
    'transaction_id,partner_id,charge_date,amount,currency',
    ...MONTHS.flatMap((month) => [
      `T-W1-${month},W1,${month}-12,60000.00,USD`,
      `T-W2-${month},W2,${month}-12,50000.00,USD`,
      `T-W3-${month},W3,${month}-12,100000.00,USD`,
    ]),
  ]);
  write('assessments.csv', [
    'partner_id,assessed_on,category,capability,score',
    ...['W1', 'W2', 'W3'].flatMap((id) => ['sell', 'secure', 'support'].map((category) => `${id},2026-10-01,${category},core,80`)),
  ]);
  write('security.csv', ['partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time', 'W2,2026-10-01,5,4,soc@w2.example.com,0,0']);
  return folder;
}

describe.each(ENGINES)('early warnings through the command line, on %s', (engine) => {
  let temp: TestDatabase;
  let env: Record<string, string>;

  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    env = { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox'), MAIL_FROM: 'CSP Programme <csp@example.com>' };
    const imported = await runCli(['import', writeData(temp.dir)], env);
    expect(imported.stderr).not.toMatch(/error/i);
    expect(imported.code).toBe(0);
  });
  afterEach(async () => temp.cleanup());

  const run = async (asOf: string, ...args: string[]) => {
    const result = await runCli(['run', '--as-of', asOf, '--json', ...args], env, () => new Date(`${asOf}T06:00:00Z`));
    expect(result.stderr).not.toMatch(/internal error/);
    return { code: result.code, json: JSON.parse(result.stdout) as RunJson };
  };
  const warned = (json: RunJson) => json.warnings.map((w) => `${w.partnerId} ${w.trigger} ${w.cycle} ${w.monthsBefore}`);
  /** The .eml files, with quoted-printable soft line breaks undone so that sentences can be matched. */
  const emlTexts = () => {
    try {
      return readdirSync(env.OUTBOX_DIR!).filter((name) => name.endsWith('.eml')).map((name) => readFileSync(path.join(env.OUTBOX_DIR!, name), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='));
    } catch {
      return [];
    }
  };
  const recorded = async () => Number((await temp.query<{ n: unknown }>('select count(*) as n from early_warnings'))[0]!.n);

  it('warns a partner at risk three months ahead once, with the shortfall; a re-run sends nothing', async () => {
    const first = await run('2026-10-15');
    expect(first.code).toBe(0);
    expect(warned(first.json)).toEqual(['W1 renewal 2027-01 3']);
    const warning = first.json.warnings[0]!;
    expect(warning.status).toBe('at_risk');
    expect(warning.checks[0]).toMatchObject({ id: 'ttm_revenue', result: 'fail', observed: '720000.00', required: '>= 1000000.00', gap: '280000.00' });
    expect(first.json.notices.find((n) => n.partnerId === 'W1')).toMatchObject({ kinds: ['early_warning'], status: 'sent' });
    expect(first.json.notices.some((n) => n.partnerId === 'W3')).toBe(false);
    expect(first.json.decisions.filter((d) => d.partnerId === 'W1')).toEqual([]);
    const mail = emlTexts().find((text) => text.includes('w1@example.com'))!;
    expect(mail).toContain('not a decision');

    for (const asOf of ['2026-10-15', '2026-10-28']) {
      const again = await run(asOf);
      expect(warned(again.json)).toEqual([]);
      expect(again.json.notices.filter((n) => n.partnerId === 'W1')).toEqual([]);
    }
    expect(await recorded()).toBe(1);
  });

  it('a month without a run is not made up: the next offset warns instead', async () => {
    const november = await run('2026-11-16');
    expect(warned(november.json)).toEqual([]);
    const december = await run('2026-12-10');
    // W2's October anniversary is still open (its snapshot is too old by now), so it is warned too.
    expect(warned(december.json).sort()).toEqual(['W1 renewal 2027-01 1', 'W2 renewal 2027-01 1']);
    expect(december.json.warnings.find((w) => w.partnerId === 'W1')!.checks[0]).toMatchObject({ observed: '720000.00' });
  });

  it('a partner that closes its gap after the three-month warning gets no one-month warning', async () => {
    expect(warned((await run('2026-10-15')).json)).toEqual(['W1 renewal 2027-01 3']);
    const extra = path.join(temp.dir, 'more-revenue.csv');
    writeFileSync(extra, 'transaction_id,partner_id,charge_date,amount,currency\nT-W1-big,W1,2026-11-20,400000.00,USD\n');
    expect((await runCli(['import', 'revenue', extra], env)).code).toBe(0);
    const december = await run('2026-12-10');
    expect(warned(december.json)).toEqual([]);
    expect(december.json.notices.filter((n) => n.partnerId === 'W1')).toEqual([]);
  });

  it('a dry run lists the warning but records and sends nothing; the real run then sends it', async () => {
    const dry = await run('2026-10-15', '--dry-run');
    expect(warned(dry.json)).toEqual(['W1 renewal 2027-01 3']);
    expect(dry.json.notices.find((n) => n.partnerId === 'W1')).toMatchObject({ kinds: ['early_warning'], status: 'dry_run' });
    expect(emlTexts()).toEqual([]);
    expect(await recorded()).toBe(0);
    expect(warned((await run('2026-10-15')).json)).toEqual(['W1 renewal 2027-01 3']);
  });

  it('a partner told to move gets no warnings until it may re-apply, and its notice tells only of the decision', async () => {
    const october = await run('2026-10-15');
    expect(october.json.decisions.find((d) => d.partnerId === 'W2')).toMatchObject({ outcome: 'transition_required', reapplyEligibleOn: '2027-10-15' });
    expect(warned(october.json).filter((w) => w.startsWith('W2'))).toEqual([]);
    expect(october.json.notices.find((n) => n.partnerId === 'W2')!.kinds).toEqual(['transition_required']);
    expect(warned((await run('2026-12-10')).json).filter((w) => w.startsWith('W2'))).toEqual([]);
    const outlook = await runCli(['outlook', '--as-of', '2026-12-10', '--json'], env);
    expect((JSON.parse(outlook.stdout) as { cycles: Array<{ partnerId: string }> }).cycles.map((c) => c.partnerId)).toEqual(['W1', 'W3']);
  });

  it('the operations summary, the report and explain show who was warned, and the projected TTM against the threshold', async () => {
    const withOps = { ...env, OPS_EMAIL: 'ops@example.com' };
    const result = await runCli(['run', '--as-of', '2026-10-15'], withOps, () => new Date('2026-10-15T06:00:00Z'));
    expect(result.code).toBe(0);
    const summary = emlTexts().find((text) => /^To: ops@example\.com/m.test(text))!;
    expect(summary).toContain('At risk in the coming months (warned in this run): 1');
    expect(summary).toMatch(/W1 Short Revenue Ltd: renewal cycle 2027-01, in 3 month\(s\)/);

    const at = () => new Date('2026-10-20T06:00:00Z');
    const html = (await runCli(['report', '--format', 'html'], env, at)).stdout;
    expect(html).toContain('At risk in the next 3 months (1)');
    expect(html).toMatch(/<svg class="ttm-chart"[\s\S]*data-partner="W1"[\s\S]*\$720,000\.00[\s\S]*threshold \$1,000,000\.00/);
    const json = JSON.parse((await runCli(['report', '--format', 'json'], env, at)).stdout) as { warnings: Array<{ partnerId: string; projectedTtmUsd: string }> };
    expect(json.warnings.map((w) => `${w.partnerId} ${w.projectedTtmUsd}`)).toEqual(['W1 720000.00']);
    const csv = (await runCli(['report', '--format', 'csv'], env, at)).stdout;
    expect(csv).toMatch(/^W1,Short Revenue Ltd,renewal,2027-01,at_risk,no,2026-10-15,/m);
    const explained = (await runCli(['explain', 'W1', '--as-of', '2026-10-20'], env, at)).stdout;
    expect(explained).toContain('2027-01 renewal, 3 month(s) ahead: at risk');
    expect(explained).toMatch(/ttm_revenue +fail +720000\.00 \(required >= 1000000\.00, 280000\.00 short\)/);
  });

  it('outlook lists every cycle of the next months, at risk first, and records and sends nothing', async () => {
    const result = await runCli(['outlook', '--as-of', '2026-10-15', '--months', '3', '--json'], env);
    expect(result.code).toBe(0);
    const outlook = JSON.parse(result.stdout) as { cycles: Array<{ partnerId: string; status: string; cycle: string }> };
    expect(outlook.cycles.map((c) => `${c.partnerId} ${c.status} ${c.cycle}`)).toEqual(['W1 at_risk 2027-01', 'W2 at_risk 2027-01', 'W3 on_track 2027-01']);
    expect((await runCli(['outlook', '--as-of', '2026-10-15'], env)).stdout).toMatch(/^At risk.*\(2\)$/m);
    expect(await recorded()).toBe(0);
    expect(emlTexts()).toEqual([]);
    for (const bad of [['--months', '0'], ['--months', 'three'], ['--as-of', '2026-02-30']]) {
      const refused = await runCli(['outlook', ...bad], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/^error: --(months|as-of) /);
    }
  });
});
