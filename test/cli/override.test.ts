import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandEnv, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import { holdLock } from '../helpers/hold-lock.js';

/** The sample's first run, then an override some days later: the dates the notices must name. */
const RUN_DAY = '2026-10-15';
const AT_RUN = () => new Date('2026-10-15T06:00:00Z');
const OVERRIDE_DAY = '2026-11-02';
const AT_OVERRIDE = () => new Date('2026-11-02T09:30:00Z');

const APPEAL = ['--reason', 'Microsoft granted the appeal: revenue booked under a second PGA (case 2611-0042)', '--by', 'Keiko Sato <k.sato@example.com>'];

describe.each(ENGINES)('csp-reeval override, on %s', (engine) => {
  let temp: TestDatabase;
  let env: Record<string, string>;

  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    env = commandEnv(temp);
    const imported = await runCli(['import', SAMPLE_DIR], env, AT_RUN);
    expect(imported.code).toBe(0);
  });

  afterEach(async () => {
    await temp.cleanup();
  });

  const firstRun = async () => expect((await runCli(['run', '--as-of', RUN_DAY], env, AT_RUN)).code).toBe(0);
  const override = (args: string[], now = AT_OVERRIDE) => runCli(['override', ...args], env, now);
  const count = async (table: string) => Number((await temp.query<{ n: unknown }>(`select count(*) as n from ${table}`))[0]!.n);
  const cycleRow = async (partnerId: string, trigger: string, cycle: string) =>
    (await temp.query<{ id: unknown; outcome: string; final: unknown; reapply_eligible_on: string | null; last_decision_id: unknown }>(
      'select id, outcome, final, reapply_eligible_on, last_decision_id from cycles where partner_id = ? and trigger = ? and cycle = ?',
      [partnerId, trigger, cycle],
    ))[0];
  const corrections = async () => temp.query<{ id: unknown; partner_id: string; status: string; subject: string }>("select id, partner_id, status, subject from notices where kinds = '[\"correction\"]' order by id");
  const emls = () => {
    try {
      return readdirSync(env.OUTBOX_DIR!).filter((name) => name.endsWith('.eml')).sort();
    } catch {
      return [];
    }
  };
  const correctionMails = async () => {
    const mails = await Promise.all(emls().map(async (name) => simpleParser(readFileSync(path.join(env.OUTBOX_DIR!, name)))));
    return mails.filter((mail) => /訂正|Correction|correct/.test(mail.subject ?? ''));
  };

  it('an appeal granted: transition_required becomes confirmed, the earlier decision stays, and the record says who, when, why and what it replaced', async () => {
    await firstRun();
    const before = await cycleRow('4010003', 'renewal', '2026-10');
    expect(before!.outcome).toBe('transition_required');

    const result = await override(['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/override \d+ recorded: partner 4010003 renewal 2026-10: transition_required → confirmed/);

    const after = await cycleRow('4010003', 'renewal', '2026-10');
    expect(after).toMatchObject({ outcome: 'confirmed', reapply_eligible_on: null });
    expect(Number(after!.final)).toBe(1);
    const history = await temp.query<{ outcome: string; decided_on: string; run_id: unknown }>('select outcome, decided_on, run_id from decisions where cycle_id = ? order by id', [Number(after!.id)]);
    expect(history.map((d) => [d.outcome, d.decided_on])).toEqual([
      ['transition_required', RUN_DAY],
      ['confirmed', OVERRIDE_DAY],
    ]);
    const [record] = await temp.query<Record<string, unknown>>('select * from overrides');
    expect(record).toMatchObject({
      partner_id: '4010003',
      trigger: 'renewal',
      cycle: '2026-10',
      outcome: 'confirmed',
      replaced_outcome: 'transition_required',
      reason: APPEAL[1],
      overridden_by: APPEAL[3],
      overridden_at: AT_OVERRIDE().toISOString(),
      decided_on: OVERRIDE_DAY,
      policy_version: '2025-10',
    });
    expect(Number(record!.decision_id)).toBe(Number(after!.last_decision_id));
  });

  it('the partner is told once, through the outbox: the correction names the earlier notice by its date, in Japanese', async () => {
    await firstRun();
    const mailsBefore = emls().length;
    expect((await override(['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL])).code).toBe(0);
    // Recorded, then sent at once through the outbox; the runs after it send nothing more.
    expect(await corrections()).toEqual([expect.objectContaining({ partner_id: '4010003', status: 'sent' })]);
    expect(emls()).toHaveLength(mailsBefore + 1);
    expect((await runCli(['run', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE)).code).toBe(0);
    expect((await runCli(['run', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE)).code).toBe(0);
    expect(await corrections()).toEqual([expect.objectContaining({ status: 'sent' })]);
    const mails = await correctionMails();
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.to).toMatchObject({ text: 'csp@hikari-sol.example.jp' });
    expect(mail!.subject).toBe('【訂正】2026年10月15日付けでお送りした CSP 直接請求パートナー再評価（2026年10月）の結果について（株式会社ひかりソリューションズ 御中）');
    expect(mail!.text).toContain('2026年10月15日付けでご案内いたしましたサポート プラン更新月（2026年10月）の年次再評価の結果につきまして');
    expect(mail!.text).toContain('【訂正後の結果】すべての要件を充足');
    expect(mail!.text).toContain('再申請までの待機期間も適用されません');
    expect(mail!.html).toContain('2026年10月15日付けでご案内いたしました');
  });

  it('a correction the mail server refuses stays in the outbox, exits 1 with the override recorded, and goes out once with the next run', async () => {
    await firstRun();
    const down = await runCli(['override', '4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], { ...env, SMTP_URL: 'smtp://127.0.0.1:1' }, AT_OVERRIDE);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/override \d+ recorded: .*; the correction notice could not be sent \(.+\); it stays in the outbox and the next run tries again/);
    expect(await count('overrides')).toBe(1);
    expect(await corrections()).toEqual([expect.objectContaining({ status: 'failed' })]);
    // The next attempt is due after its back-off; a run a day later sends it, and the one after sends nothing more.
    const later = () => new Date('2026-11-03T09:30:00Z');
    expect((await runCli(['run', '--as-of', '2026-11-03'], env, later)).code).toBe(0);
    expect((await runCli(['run', '--as-of', '2026-11-03'], env, later)).code).toBe(0);
    expect(await corrections()).toEqual([expect.objectContaining({ status: 'sent' })]);
    expect(await correctionMails()).toHaveLength(1);
  });

  it('while a run or an import holds the lock, the correction is recorded and left for the next run, which sends it once', async () => {
    await firstRun();
    const held = await holdLock(temp);
    let result;
    try {
      result = await runCli(['override', '4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], { ...env, DATABASE_LOCK_TIMEOUT_SECONDS: '1' }, AT_OVERRIDE);
    } finally {
      await held.release();
    }
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/; the correction notice waits in the outbox \(a run or an import holds the lock\) and goes out with the next run/);
    expect(await corrections()).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect((await runCli(['run', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE)).code).toBe(0);
    expect((await runCli(['run', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE)).code).toBe(0);
    expect(await correctionMails()).toHaveLength(1);
  });

  it('a notice of the replaced outcome that has not gone out yet is never sent: the partner hears only the corrected result', async () => {
    // The mail server is down for the first run: every notice waits to be retried.
    expect((await runCli(['run', '--as-of', RUN_DAY], { ...env, SMTP_URL: 'smtp://127.0.0.1:1' }, AT_RUN)).code).toBe(1);
    expect((await override(['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL])).code).toBe(0);
    const statusOf = async (kinds: string) => (await temp.query<{ status: string }>("select status from notices where partner_id = '4010003' and kinds = ?", [kinds])).map((n) => n.status);
    expect(await statusOf('["transition_required"]')).toEqual(['superseded']);
    expect((await runCli(['run', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE)).code).toBe(0);
    const mails = (await Promise.all(emls().map(async (name) => simpleParser(readFileSync(path.join(env.OUTBOX_DIR!, name)))))).filter((m) => (m.to as { text: string }).text === 'csp@hikari-sol.example.jp');
    expect(mails.map((m) => m.subject)).toEqual(['CSP 直接請求パートナー再評価（2026年10月）の結果のお知らせ（株式会社ひかりソリューションズ 御中）']);
    expect(await statusOf('["transition_required"]')).toEqual(['superseded']);
    expect(await statusOf('["correction"]')).toEqual(['sent']);
    // Every other notice that waited went out as usual.
    expect(await temp.query("select partner_id from notices where status not in ('sent', 'superseded')")).toEqual([]);
    expect(emls().length).toBeGreaterThan(5);
  });

  it('explain, report (csv, json, html), run --json and the next ops summary show who overrode, why, and the outcome replaced — once in the run and the summary', async () => {
    await firstRun();
    expect((await override(['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL])).code).toBe(0);
    expect((await override(['4010001', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'transition_required', '--reason', 'renewal cancelled', '--by', 'ops-lead@example.com', '--no-notice'])).code).toBe(0);

    const explained = await runCli(['explain', '4010003', '--as-of', OVERRIDE_DAY], env, AT_OVERRIDE);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/decision \d+ in run 1, as of 2026-10-15, policy 2025-10: transition_required\n/);
    expect(explained.stdout).toMatch(/decision \d+ by override of Keiko Sato <k\.sato@example\.com> at 2026-11-02T09:30:00\.000Z, as of 2026-11-02, policy 2025-10: transition_required → confirmed\n    reason: Microsoft granted the appeal/);
    const explainedJson = JSON.parse((await runCli(['explain', '4010003', '--as-of', OVERRIDE_DAY, '--json'], env, AT_OVERRIDE)).stdout) as { cycles: Array<{ decisions: Array<Record<string, unknown>> }> };
    expect(explainedJson.cycles[0]!.decisions.map((d) => [d.outcome, d.overriddenBy, d.replacedOutcome])).toEqual([
      ['transition_required', undefined, undefined],
      ['confirmed', APPEAL[3], 'transition_required'],
    ]);

    const report = JSON.parse((await runCli(['report', '--format', 'json'], env, AT_OVERRIDE)).stdout) as { rows: Array<Record<string, unknown>> };
    const rowOf = (partnerId: string) => report.rows.find((row) => row.partnerId === partnerId && row.trigger === 'renewal');
    expect(rowOf('4010003')).toMatchObject({ outcome: 'confirmed', overriddenBy: APPEAL[3], reason: APPEAL[1], replacedOutcome: 'transition_required' });
    expect(rowOf('4010001')).toMatchObject({ outcome: 'transition_required', overriddenBy: 'ops-lead@example.com', reason: 'renewal cancelled', replacedOutcome: 'confirmed' });
    expect(rowOf('4010004')).toMatchObject({ overriddenBy: null, reason: null, replacedOutcome: null });
    const csv = (await runCli(['report', '--format', 'csv'], env, AT_OVERRIDE)).stdout.split('\r\n');
    expect(csv[0]).toMatch(/,notice_status,overridden_by,reason,replaced_outcome$/);
    expect(csv.find((line) => line.startsWith('4010003,'))).toMatch(/,Keiko Sato <k\.sato@example\.com>,Microsoft granted the appeal: revenue booked under a second PGA \(case 2611-0042\),transition_required$/);
    const html = (await runCli(['report', '--format', 'html'], env, AT_OVERRIDE)).stdout;
    expect(html).toContain('overridden by Keiko Sato &lt;k.sato@example.com&gt; (was transition_required): Microsoft granted the appeal');

    const runJson = async () => JSON.parse((await runCli(['run', '--as-of', OVERRIDE_DAY, '--json'], env, AT_OVERRIDE)).stdout) as { decisions: Array<Record<string, unknown>> };
    const first = await runJson();
    expect(first.decisions.filter((d) => d.overriddenBy !== undefined)).toEqual([
      expect.objectContaining({ partnerId: '4010003', trigger: 'renewal', cycle: '2026-10', outcome: 'confirmed', overriddenBy: APPEAL[3], reason: APPEAL[1], replacedOutcome: 'transition_required' }),
      expect.objectContaining({ partnerId: '4010001', outcome: 'transition_required', reapplyEligibleOn: '2027-11-02', overriddenBy: 'ops-lead@example.com', replacedOutcome: 'confirmed' }),
    ]);
    expect((await runJson()).decisions.filter((d) => d.overriddenBy !== undefined)).toEqual([]);

    const summaries = (await Promise.all(emls().map(async (name) => simpleParser(readFileSync(path.join(env.OUTBOX_DIR!, name)))))).filter((m) => (m.to as { text: string }).text === 'csp-ops@example.com');
    const withOverrides = summaries.filter((m) => (m.text ?? '').includes('Overrides since the last summary'));
    expect(withOverrides).toHaveLength(1);
    expect(withOverrides[0]!.text).toContain('Overrides since the last summary: 2');
    expect(withOverrides[0]!.text).toContain('- 4010003 株式会社ひかりソリューションズ: renewal cycle 2026-10, transition_required -> confirmed\n      by Keiko Sato <k.sato@example.com> at 2026-11-02 09:30:00 UTC\n      reason: Microsoft granted the appeal');
    expect(withOverrides[0]!.text).toContain('by ops-lead@example.com at 2026-11-02 09:30:00 UTC (partner not told)');
    expect(withOverrides[0]!.html).toContain('Keiko Sato &lt;k.sato@example.com&gt;');
  });

  it('the re-apply wait is lifted: the partner is due again for its later cycles', async () => {
    await firstRun();
    const dueIn = async (asOf: string) => JSON.parse((await runCli(['due', '--as-of', asOf, '--json'], env, AT_OVERRIDE)).stdout) as { due: Array<{ partnerId: string; trigger: string; cycle: string }>; blocked: Array<{ partnerId: string }> };
    const blockedBefore = await dueIn('2026-12-10');
    expect(blockedBefore.blocked.map((b) => b.partnerId)).toContain('4010007');
    expect(blockedBefore.due.filter((d) => d.partnerId === '4010007')).toEqual([]);

    expect((await override(['4010007', '--cycle', '2026-10', '--trigger', 'anniversary', '--outcome', 'confirmed', ...APPEAL])).code).toBe(0);
    const after = await dueIn('2026-12-10');
    expect(after.blocked.map((b) => b.partnerId)).not.toContain('4010007');
    expect(after.due.filter((d) => d.partnerId === '4010007').map((d) => `${d.trigger} ${d.cycle}`)).toEqual(['renewal 2026-12']);
  });

  it('confirmed becomes transition_required: the re-apply date runs from the day of the override, and the partner is due for nothing until then', async () => {
    await firstRun();
    const result = await override(['4010001', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'transition_required', '--reason', 'Microsoft reversed the renewal: the new term was cancelled', '--by', 'ops-lead@example.com']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('may re-apply from 2027-11-02');
    expect(await cycleRow('4010001', 'renewal', '2026-10')).toMatchObject({ outcome: 'transition_required', reapply_eligible_on: '2027-11-02' });
    const due = JSON.parse((await runCli(['due', '--as-of', '2027-10-20', '--json'], env, AT_OVERRIDE)).stdout) as { due: Array<{ partnerId: string }>; blocked: Array<{ partnerId: string; reapplyEligibleOn: string }> };
    expect(due.blocked).toContainEqual({ partnerId: '4010001', reapplyEligibleOn: '2027-11-02' });
    expect(due.due.filter((d) => d.partnerId === '4010001')).toEqual([]);
  });

  it('a later run leaves the overridden cycle alone: no new decision, no new notice for it', async () => {
    await firstRun();
    // 4010005's revenue feed never reaches the window's end: it would stay needs_review forever.
    expect((await override(['4010005', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--reason', 'revenue confirmed by Microsoft from the partner statement', '--by', 'Keiko Sato'])).code).toBe(0);
    const cycle = await cycleRow('4010005', 'renewal', '2026-10');
    for (const asOf of [OVERRIDE_DAY, '2026-11-20']) {
      const run = await runCli(['run', '--as-of', asOf, '--json'], env, AT_OVERRIDE);
      expect(run.code).toBe(0);
      const json = JSON.parse(run.stdout) as { decisions: Array<{ partnerId: string; outcome: string }> };
      expect(json.decisions.filter((d) => d.partnerId === '4010005' && d.outcome !== 'confirmed')).toEqual([]);
    }
    expect(await cycleRow('4010005', 'renewal', '2026-10')).toEqual(cycle);
    const ofCycle = await temp.query<{ outcome: string }>('select outcome from decisions where cycle_id = ? order by id', [Number(cycle!.id)]);
    expect(ofCycle.map((d) => d.outcome)).toEqual(['needs_review', 'confirmed']);
    // The partner had never been told of the cycle: its notice gives the result, not a correction.
    const [mail] = (await Promise.all(emls().map(async (name) => simpleParser(readFileSync(path.join(env.OUTBOX_DIR!, name)))))).filter((m) => (m.to as { text: string }).text === 'shinsei@midori-net.example.jp');
    expect(mail!.subject).toBe('CSP 直接請求パートナー再評価（2026年10月）の結果のお知らせ（株式会社みどりネットワーク 御中）');
    expect(mail!.text).not.toContain('訂正');
  });

  it('a cycle due but not yet recorded by any run can be decided by hand; the run then leaves it alone', async () => {
    const result = await override(['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], AT_RUN);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('due, not decided → confirmed');
    const [record] = await temp.query<{ replaced_outcome: string | null; replaced_decision_id: unknown }>('select replaced_outcome, replaced_decision_id from overrides');
    expect(record).toEqual({ replaced_outcome: null, replaced_decision_id: null });
    const run = await runCli(['run', '--as-of', RUN_DAY, '--json'], env, AT_RUN);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { decisions: Array<{ partnerId: string; trigger: string; outcome: string }> };
    expect(json.decisions.filter((d) => d.partnerId === '4010003' && d.outcome !== 'confirmed')).toEqual([]);
    const cycle = await cycleRow('4010003', 'renewal', '2026-10');
    expect(cycle!.outcome).toBe('confirmed');
    expect(await temp.query('select outcome from decisions where cycle_id = ?', [Number(cycle!.id)])).toEqual([{ outcome: 'confirmed' }]);
  });

  it('--no-notice records the override and tells nobody; --dry-run records nothing at all', async () => {
    await firstRun();
    const args = ['4010004', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL];
    const dry = await override([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run, nothing recorded: would record partner 4010004 renewal 2026-10: transition_required → confirmed/);
    expect(dry.stdout).toContain('would tell the partner (alliances@contoso-partners.example.com)');
    expect(await count('overrides')).toBe(0);
    expect((await cycleRow('4010004', 'renewal', '2026-10'))!.outcome).toBe('transition_required');

    const quiet = await override([...args, '--no-notice']);
    expect(quiet.code).toBe(0);
    expect(await count('overrides')).toBe(1);
    expect(await corrections()).toEqual([]);
    expect((await temp.query<{ notice_id: unknown }>('select notice_id from overrides'))[0]!.notice_id).toBeNull();
  });

  describe('refused with exit 2, naming the problem, and nothing recorded', () => {
    const refusals: Array<[string, string[], RegExp]> = [
      ['a cycle that does not exist', ['4010003', '--cycle', '2026-11', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], /renewal cycle 2026-11 of partner 4010003 does not exist/],
      ['a cycle month still to come', ['4010001', '--cycle', '2027-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], /does not exist: it has no decision and is not due on 2026-11-02/],
      ['the other trigger of a decided month', ['4010003', '--cycle', '2026-10', '--trigger', 'anniversary', '--outcome', 'confirmed', ...APPEAL], /anniversary cycle 2026-10 of partner 4010003 does not exist/],
      ['a missing reason', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--by', 'Keiko Sato'], /--reason TEXT is required/],
      ['an empty reason', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--reason', '   ', '--by', 'Keiko Sato'], /--reason TEXT is required and may not be empty/],
      ['a missing --by', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--reason', 'appeal granted'], /--by NAME_OR_EMAIL is required/],
      ['an empty --by', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--reason', 'appeal granted', '--by', ''], /--by NAME_OR_EMAIL is required and may not be empty/],
      ['the outcome the cycle already has', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'transition_required', ...APPEAL], /is already transition_required: an override must change the outcome/],
      ['a partner id that does not exist', ['4099999', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], /no partner with id '4099999' has been imported/],
      ['a cycle that is not a month', ['4010003', '--cycle', '2026-13', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], /--cycle must be a month as YYYY-MM, got '2026-13'/],
      ['an unknown trigger', ['4010003', '--cycle', '2026-10', '--trigger', 'renewals', '--outcome', 'confirmed', ...APPEAL], /--trigger must be one of renewal, anniversary, got 'renewals'/],
      ['an outcome a person may not record', ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'needs_review', ...APPEAL], /--outcome must be one of confirmed, transition_required, got 'needs_review'/],
      ['no cycle at all', ['4010003', '--trigger', 'renewal', '--outcome', 'confirmed', ...APPEAL], /--cycle YYYY-MM is required/],
    ];
    for (const [what, args, message] of refusals) {
      it(what, async () => {
        await firstRun();
        const tables = ['overrides', 'decisions', 'notices', 'cycles'];
        const before = await Promise.all(tables.map(count));
        const result = await override(args);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^error: override refused, nothing recorded: /);
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(/internal error|at .*\.ts:/);
        expect(await Promise.all(tables.map(count))).toEqual(before);
      });
    }
  });
});
