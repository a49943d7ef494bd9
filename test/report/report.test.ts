import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/report.js';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const NOW = () => new Date('2026-10-15T06:00:00Z');

describe.each(ENGINES)('the report\'s notice delivery, on %s', (engine) => {
  let temp: TestDatabase | undefined;
  let env: Record<string, string>;
  let report: Report;

  beforeAll(async () => {
    temp = await createTestDatabase(engine);
    env = { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox'), OPS_EMAIL: 'csp-ops@example.com' };
    expect((await runCli(['import', SAMPLE_DIR], env, NOW)).code).toBe(0);
    expect((await runCli(['run', '--as-of', '2026-10-15'], env, NOW)).code).toBe(0);
    const json = await runCli(['report', '--format', 'json'], env, NOW);
    expect(json.code).toBe(0);
    report = JSON.parse(json.stdout) as Report;
  });
  afterAll(async () => temp?.cleanup());

  it('files the operations summary as such, under no partner, covering every cycle of the run', () => {
    const summaries = report.notices.filter((notice) => notice.kinds.includes('summary'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ audience: 'ops', partnerId: null, partnerName: null, status: 'sent' });
    expect(summaries[0]!.cycles.sort()).toEqual(report.rows.map((row) => `${row.cycle} ${row.trigger}`).sort());
  });

  it('files each partner notice under its own partner, with that partner\'s cycles only', () => {
    const partnerNotices = report.notices.filter((notice) => notice.audience === 'partner');
    expect(partnerNotices).toHaveLength(8);
    for (const notice of partnerNotices) {
      expect(notice.kinds).not.toContain('summary');
      const own = report.rows.filter((row) => row.partnerId === notice.partnerId).map((row) => `${row.cycle} ${row.trigger}`);
      expect(own.length, notice.partnerId!).toBeGreaterThan(0);
      for (const cycle of notice.cycles) expect(own, `${notice.partnerId} ${cycle}`).toContain(cycle);
      expect(notice.partnerName).toBe(report.rows.find((row) => row.partnerId === notice.partnerId)!.partnerName);
    }
  });

  it('in HTML: partner rows name partners, and the summary has its own table, not a partner\'s row', async () => {
    const { stdout: html } = await runCli(['report', '--cycle', '2026-10', '--format', 'html'], env, NOW);
    const table = (name: string) => html.slice(html.indexOf(`<table class="${name}">`), html.indexOf('</table>', html.indexOf(`<table class="${name}">`)));
    const ofMonth = report.notices.filter((n) => n.cycles.some((c) => c.startsWith('2026-10')));
    const partnerRows = table('notices').split('<tr>').slice(2);
    expect(partnerRows).toHaveLength(ofMonth.filter((n) => n.audience === 'partner').length);
    for (const row of partnerRows) expect(row).toMatch(/^<td>\d+ [^<]+<\/td><td>(confirmed|awaiting_support_renewal|transition_required|needs_review)/);
    expect(html).not.toMatch(/<td>\d+ [^<]*<\/td><td>summary/);
    const summaryRows = table('ops-summaries').split('<tr>').slice(2);
    expect(summaryRows).toHaveLength(1);
    const covered = report.rows.filter((row) => row.cycle === '2026-10').length;
    expect(summaryRows[0]).toMatch(new RegExp(`^<td>operations summary</td><td class="num">${covered}</td><td class="status-sent">sent</td>`));
  });

  it('in CSV: each decision\'s notice status is its partner\'s notice, never the summary\'s', async () => {
    const { stdout } = await runCli(['report', '--format', 'csv'], env, NOW);
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>;
    const noticeOf = new Map(report.notices.filter((n) => n.audience === 'partner').flatMap((n) => n.cycles.map((c) => [`${n.partnerId} ${c}`, n.status])));
    for (const row of rows) expect(row.notice_status, row.partner_id).toBe(noticeOf.get(`${row.partner_id} ${row.cycle} ${row.trigger}`) ?? '');
  });
});
