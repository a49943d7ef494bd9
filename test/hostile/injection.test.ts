import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SendError } from '../../src/errors.js';
import { createMailer, type OutgoingMessage } from '../../src/mail/mailer.js';
import { formatReport, type Report, type ReportRow } from '../../src/report/report.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-store.js';
import { csvLine, FIXTURES_DIR, PARTNERS_HEADER, writeFile } from './support.js';

const NOW = () => new Date('2026-10-15T06:00:00Z');
const AS_OF = '2026-10-15';

/** Rows of a fixture without its header. */
const fixtureRows = (name: string) => readFileSync(path.join(FIXTURES_DIR, name), 'utf8').trimEnd().split('\n').slice(1);

const HTML_PARTNER = { id: '<b>P-html</b>', name: `<script>alert("x")</script> & 'Co' <img src=x onerror=alert(1)>` };
const FORMULA_NAMES = ['=HYPERLINK("http://x","y")', '+1', '-1+1', '@SUM(A1)', "=cmd|' /C calc'!A0", '＝１＋１'];

/** A spreadsheet would run it: =, +, -, @, tab, CR, LF or their full-width forms first, unless it is a plain number. */
const FORMULA_START = /^[=+\-@\t\r\n＝＋－＠]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Partners whose ids and names are formulas, paths and markup, each with a support plan (so it is
 * not reported as missing one) and a security snapshot (so its anniversary cycle is decided and mailed).
 */
function writeHostileDataset(dir: string): string[] {
  const partnerLines = [...fixtureRows('formula-names.partners.csv'), ...fixtureRows('path-traversal-ids.partners.csv'), csvLine([HTML_PARTNER.id, HTML_PARTNER.name, '2020-10-05', 'html@example.com'])];
  const ids = (parse(partnerLines.join('\n')) as string[][]).map((fields) => fields[0]!);
  writeFile(dir, 'partners.csv', `${PARTNERS_HEADER}\n${partnerLines.join('\n')}\n`);
  writeFile(dir, 'support-plans.csv', `partner_id,plan,term_start,term_end\n${ids.map((id) => csvLine([id, 'ASfP', '2025-12-01', '2026-11-30'])).join('\n')}\n`);
  const snapshot = (id: string, i: number) => csvLine([id, '2026-10-01', '4', i % 2 === 0 ? '4' : '3', 'soc@example.com', '0', '0']);
  writeFile(dir, 'security.csv', `partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time\n${ids.map(snapshot).join('\n')}\n`);
  return ids;
}

/** Every file below `dir`, as paths relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(path.join(dir, name)).isFile());
}

describe('hostile partner data through a full run', () => {
  let root: string;
  let cleanup: () => void;
  let env: Record<string, string>;
  let ids: string[];

  beforeEach(async () => {
    ({ dir: root, cleanup } = tempDir());
    const input = path.join(root, 'input');
    mkdirSync(input);
    ids = writeHostileDataset(input);
    env = { DATABASE_URL: path.join(root, 'db', 'reeval.sqlite'), OUTBOX_DIR: path.join(root, 'mail', 'outbox'), OPS_EMAIL: 'ops@example.com' };
    mkdirSync(path.join(root, 'db'));
    const imported = await runCli(['import', input], env, NOW);
    expect(imported.stderr).not.toMatch(/error/);
    expect(imported.code).toBe(0);
    const run = await runCli(['run', '--as-of', AS_OF, '--json'], env, NOW);
    expect(run.code).toBe(0);
  });
  afterEach(() => cleanup());

  it('writes every notice inside OUTBOX_DIR under a plain file name, whatever path its partner id spells', async () => {
    const outbox = env.OUTBOX_DIR!;
    const outside = filesBelow(root).filter((name) => !name.startsWith(`input${path.sep}`) && !name.startsWith(`db${path.sep}`) && !name.startsWith(`mail${path.sep}outbox${path.sep}`));
    expect(outside).toEqual([]);
    expect(existsSync(path.resolve(outbox, '..', '..', 'etc'))).toBe(false);
    const names = readdirSync(outbox);
    // one notice per partner, and the operations summary
    expect(names).toHaveLength(ids.length + 1);
    for (const name of names) {
      expect(name).toMatch(/^csp-reeval\.r1\.(ops|p[A-Za-z0-9-]*)\.[0-9a-f]{24}@[a-z0-9.-]+\.eml$/);
      const mail = await simpleParser(readFileSync(path.join(outbox, name)));
      expect(`${mail.messageId}.eml`).toBe(`<${name.slice(0, -'.eml'.length)}>.eml`);
      expect(mail.bcc).toBeUndefined();
      expect(mail.headers.has('bcc')).toBe(false);
    }
  });

  it('escapes every name in the HTML of each notice and never adds a recipient', async () => {
    const outbox = env.OUTBOX_DIR!;
    const mails = await Promise.all(readdirSync(outbox).map(async (name) => simpleParser(readFileSync(path.join(outbox, name)))));
    const html = mails.find((mail) => (mail.to as { text: string }).text === 'html@example.com')!;
    expect(html.html).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(html.html).toContain('&lt;script&gt;');
    expect(html.text).toContain(HTML_PARTNER.name);
    for (const mail of mails) expect((mail.to as { value: unknown[] }).value).toHaveLength(1);
  });

  it('neutralises formula cells in the CSV report, leaving plain numbers as numbers', async () => {
    const { code, stdout } = await runCli(['report', '--format', 'csv'], env, NOW);
    expect(code).toBe(0);
    const rows = parse(stdout, { columns: true }) as Array<Record<string, string>>;
    // One row per decision, and the early warnings of the renewals a month ahead after them.
    expect(rows.filter((row) => row.outcome !== 'at_risk')).toHaveLength(ids.length);
    for (const row of rows) {
      for (const cell of Object.values(row)) if (!PLAIN_NUMBER.test(cell)) expect(cell).not.toMatch(FORMULA_START);
    }
    const names = rows.map((row) => row.partner_name);
    for (const name of FORMULA_NAMES) expect(names).toContain(`'${name}`);
    expect(rows.map((row) => row.partner_id)).toContain("'=1+1");
  });

  it('escapes every name and id in the HTML report, and keeps them exact in the JSON report', async () => {
    const html = await runCli(['report', '--format', 'html'], env, NOW);
    expect(html.code).toBe(0);
    expect(html.stdout).not.toMatch(/<script|<img|<b>P-html/i);
    expect(html.stdout).toContain('&lt;b&gt;P-html&lt;/b&gt; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
    const json = await runCli(['report', '--format', 'json'], env, NOW);
    const report = JSON.parse(json.stdout) as Report;
    expect(report.rows.map((row) => row.partnerName)).toEqual(expect.arrayContaining([...FORMULA_NAMES, HTML_PARTNER.name]));
  });
});

describe('CSV report cells', () => {
  const row = (partnerName: string, ttmRevenueUsd: string | null = null): ReportRow => ({
    partnerId: 'P1',
    partnerName,
    trigger: 'renewal',
    cycle: '2026-10',
    outcome: 'transition_required',
    final: true,
    decidedOn: AS_OF,
    policyVersion: '2025-10',
    reapplyEligibleOn: null,
    deadline: null,
    checks: [],
    ttmRevenueUsd,
    ttmResult: null,
    missing: [],
    noticeStatus: null,
    overriddenBy: null,
    reason: null,
    replacedOutcome: null,
  });
  const cellsOf = (rows: ReportRow[]) =>
    (parse(formatReport({ cycle: null, policyVersion: '2025-10', minimumTtmUsd: '1000000.00', rows, notices: [] }, 'csv'), { columns: true }) as Array<Record<string, string>>).map((r) => [
      r.partner_name,
      r.ttm_revenue_usd,
    ]);

  it('prefixes a leading tab, CR, LF, formula or full-width formula with an apostrophe, and keeps the rest of the cell intact', () => {
    const names = ['\t=1+1', '\r=1+1', '\n@SUM(A1)', '-1+1', '-A1', '- 1', '＋1', '＠A1', '－1', '=HYPERLINK("http://x","y")'];
    expect(cellsOf(names.map((name) => row(name)))).toEqual(names.map((name) => [`'${name}`, '']));
  });

  it('neutralises what follows a ; too, for a spreadsheet whose list separator is ;', () => {
    const names = ['Acme;=1+1', 'x;+1', 'x; =1', 'x;"=1+1"', 'x;-1+1', 'x;@SUM(A1)', 'x;＝１', 'x;\t=1', 'a;=1,b;=2', 'a;b', 'a;5'];
    const rows = names.map((name, i) => ({ ...row(name, i % 2 ? '-12.50' : null), partnerId: `P${i}` }));
    const csv = formatReport({ cycle: null, policyVersion: '2025-10', minimumTtmUsd: '1000000.00', rows, notices: [] }, 'csv');
    // Read as such a spreadsheet reads it: every ; starts a cell, a quote opens a quoted field only at the start of one.
    const cells = (parse(csv, { delimiter: ';', relax_quotes: true, relax_column_count: true }) as string[][]).flat();
    expect(cells.length).toBeGreaterThan(rows.length * 2);
    for (const cell of cells) if (!PLAIN_NUMBER.test(cell)) expect(cell).not.toMatch(FORMULA_START);
    // and a spreadsheet that separates by , sees each name whole, an apostrophe after each such ;
    expect(cellsOf(rows).map(([name]) => name)).toEqual([
      "Acme;'=1+1",
      "x;'+1",
      "x;' =1",
      `x;'"=1+1"`,
      "x;'-1+1",
      "x;'@SUM(A1)",
      "x;'＝１",
      "x;'\t=1",
      "a;'=1,b;'=2",
      'a;b',
      'a;5',
    ]);
  });

  it('leaves plain text, a negative amount and a name with an inner = as they are', () => {
    expect(cellsOf([row('Contoso', '-12.50'), row('A=B', '999999.99'), row('株式会社さくら', '0.00')])).toEqual([
      ['Contoso', '-12.50'],
      ['A=B', '999999.99'],
      ['株式会社さくら', '0.00'],
    ]);
  });
});

describe('mail headers from data', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());

  const outbox = () => path.join(dir, 'outbox');
  const message = (overrides: Partial<OutgoingMessage>): OutgoingMessage => ({
    messageId: '<csp-reeval.r1.pP1.0123456789abcdef01234567@example.com>',
    from: 'CSP Programme <csp@example.com>',
    to: ['a@example.com'],
    cc: [],
    subject: 'CSP re-evaluation',
    text: 'text',
    html: '<p>html</p>',
    ...overrides,
  });
  const refused = async (overrides: Partial<OutgoingMessage>) => {
    const error = await createMailer({ smtpUrl: null, outboxDir: outbox() })
      .send(message(overrides))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(SendError);
    expect((error as SendError).permanent).toBe(true);
    return error as SendError;
  };

  it.each([
    ['a subject', { subject: 'Evil\r\nBcc: x@example.com' }],
    ['a to address', { to: ['a@example.com\r\nBcc: evil@example.com'] }],
    ['a cc address', { cc: ['c@example.com\nBcc: evil@example.com'] }],
    ['a sender', { from: 'CSP <csp@example.com>\r\nBcc: evil@example.com' }],
    ['a Message-ID', { messageId: '<a@example.com>\r\nBcc: evil@example.com' }],
    ['two addresses in one to entry', { to: ['a@example.com, evil@example.com'] }],
    ['a display name smuggled into a to entry', { to: ['"Evil" <evil@example.com>'] }],
    ['a Message-ID that climbs out of the outbox', { messageId: '<../../etc/passwd@example.com>' }],
  ])('refuses %s that would add a header or recipient, and writes nothing', async (_what, overrides) => {
    await refused(overrides);
    expect(existsSync(outbox()) ? readdirSync(outbox()) : []).toEqual([]);
  });

  it('keeps Unicode line separators and a NEL inside the one Subject header', async () => {
    const subject = 'Evil\u2028Bcc: x@example.com\u0085To: y@example.com\u2029';
    await createMailer({ smtpUrl: null, outboxDir: outbox() }).send(message({ subject }));
    const [file] = readdirSync(outbox());
    const mail = await simpleParser(readFileSync(path.join(outbox(), file!)));
    expect(mail.subject).toBe(subject);
    expect(mail.bcc).toBeUndefined();
    expect((mail.to as { text: string }).text).toBe('a@example.com');
  });

  it('names the file of a Message-ID holding slashes inside the outbox, slashes encoded', async () => {
    await createMailer({ smtpUrl: null, outboxDir: outbox() }).send(message({ messageId: '</etc/passwd@example.com>' }));
    expect(filesBelow(dir)).toEqual([path.join('outbox', '%2Fetc%2Fpasswd@example.com.eml')]);
  });
});

describe('import refuses what could become a mail header', () => {
  it('rejects a partners file whose name or notice_to carries CR/LF, exit 2, nothing kept', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const env = { DATABASE_URL: path.join(dir, 'reeval.sqlite') };
      const result = await runCli(['import', 'partners', path.join(FIXTURES_DIR, 'header-injection.partners.csv')], env, NOW);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('header-injection.partners.csv:2 column partner_name value "Evil\\r\\nBcc: x": contains a line break');
      expect(result.stderr).toContain('header-injection.partners.csv:5 column notice_to value "a@example.com\\r\\nBcc: evil@example.com"');
      const db = new Database(env.DATABASE_URL, { readonly: true });
      expect(db.prepare('SELECT count(*) FROM partners').pluck().get()).toBe(0);
      db.close();
    } finally {
      cleanup();
    }
  });
});
