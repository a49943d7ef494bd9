import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/run/run.js';
import { readConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMailer } from '../../src/mail/mailer.js';
import { loadTemplates } from '../../src/mail/render.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { runReevaluation } from '../../src/run/run.js';
import { commandEnv, importPartnersFailingMfa, REPO_ROOT, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import { smtpError, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';

const AS_OF = '2026-10-15';
const NOW = () => new Date('2026-10-15T06:00:00Z');

const EXPECTED: Record<string, string> = {
  '4010001 renewal 2026-10': 'confirmed',
  '4010002 renewal 2026-10': 'awaiting_support_renewal',
  '4010003 renewal 2026-10': 'transition_required',
  '4010004 renewal 2026-10': 'transition_required',
  '4010005 renewal 2026-10': 'needs_review',
  '4010006 anniversary 2026-10': 'confirmed',
  '4010007 anniversary 2026-10': 'transition_required',
  '4010008 anniversary 2026-10': 'needs_review',
  '4010009 renewal 2026-09': 'awaiting_support_renewal',
  '4010012 renewal 2026-10': 'confirmed',
  '4010012 anniversary 2026-10': 'confirmed',
};

/** Eight partners told of their decisions, and Tailspin (4010008) warned of its January renewal. */
const PARTNER_NOTICES = 9;

/** The key src/store/process-lock.ts locks: pinned here, since containers of two versions must agree on it. */
const ADVISORY_KEY = '7338240117002025';

describe.each(ENGINES)('csp-reeval run on the sample data, on %s', (engine) => {
  let temp: TestDatabase;
  let env: Record<string, string>;
  let smtp: TestSmtpServer | null = null;

  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    env = commandEnv(temp);
    const imported = await runCli(['import', SAMPLE_DIR], env, NOW);
    expect(imported.stderr).not.toMatch(/error/i);
    expect(imported.code).toBe(0);
  });

  afterEach(async () => {
    try {
      await smtp?.close();
    } finally {
      smtp = null;
      await temp.cleanup();
    }
  });

  const run = async (args: string[] = [], extraEnv: Record<string, string> = {}) => {
    const result = await runCli(['run', '--as-of', AS_OF, '--json', ...args], { ...env, ...extraEnv }, NOW);
    return { ...result, json: result.stdout ? (JSON.parse(result.stdout) as RunJson) : null };
  };
  const emlFiles = () => {
    try {
      return readdirSync(env.OUTBOX_DIR!).filter((name) => name.endsWith('.eml')).sort();
    } catch {
      return [];
    }
  };
  const count = async (table: string) => Number((await temp.query<{ n: unknown }>(`select count(*) as n from ${table}`))[0]!.n);

  it('decides every due cycle with the outcome the rules give, and mails one notice per partner', async () => {
    const { code, json, stderr } = await run();
    expect(stderr).not.toMatch(/internal error/);
    expect(code).toBe(0);
    const outcomes = Object.fromEntries(json!.decisions.map((d) => [`${d.partnerId} ${d.trigger} ${d.cycle}`, d.outcome]));
    expect(outcomes).toEqual(EXPECTED);
    expect(json!.missingSupportPlan).toEqual(['4010011']);

    const short = json!.decisions.find((d) => d.partnerId === '4010003')!;
    expect(short.checks[0]).toEqual({ id: 'ttm_revenue', result: 'fail', observed: '999999.99', required: '>= 1000000.00' });
    expect(short.reapplyEligibleOn).toBe('2027-10-15');
    const exact = json!.decisions.find((d) => d.partnerId === '4010002')!;
    expect(exact.checks[0]).toMatchObject({ id: 'ttm_revenue', result: 'pass', observed: '1000000.00' });
    expect(exact.deadline).toBe('2026-10-31');
    const late = json!.decisions.find((d) => d.partnerId === '4010009')!;
    expect(late.deadline).toBe('2026-10-29');

    const partnersNotified = json!.notices.map((n) => n.partnerId).sort();
    expect(partnersNotified).toEqual(['4010001', '4010002', '4010003', '4010004', '4010006', '4010007', '4010008', '4010009', '4010012']);
    expect(json!.notices.find((n) => n.partnerId === '4010008')!.kinds).toEqual(['early_warning']);
    expect(json!.warnings.map((w) => `${w.partnerId} ${w.trigger} ${w.cycle} ${w.monthsBefore}`)).toEqual(['4010008 renewal 2027-01 3']);
    expect(json!.notices.every((n) => n.status === 'sent')).toBe(true);
    expect(json!.notices.find((n) => n.partnerId === '4010012')!.kinds).toEqual(['confirmed']);
    expect(emlFiles()).toHaveLength(PARTNER_NOTICES + 1); // the partners and the operations summary
  });

  it('changes nothing and sends nothing when run again with the same data and date', async () => {
    await run();
    const before = { decisions: await count('decisions'), notices: await count('notices'), files: emlFiles() };
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.json!.notices).toEqual([]);
    expect(Object.fromEntries(again.json!.decisions.map((d) => [`${d.partnerId} ${d.trigger} ${d.cycle}`, d.outcome]))).toEqual({
      '4010002 renewal 2026-10': 'awaiting_support_renewal',
      '4010005 renewal 2026-10': 'needs_review',
      '4010008 anniversary 2026-10': 'needs_review',
      '4010009 renewal 2026-09': 'awaiting_support_renewal',
    });
    expect({ decisions: await count('decisions'), notices: await count('notices'), files: emlFiles() }).toEqual(before);
  });

  it('more partners than one transaction holds: each is decided and told once, and a stop keeps what was decided and sends nothing more', async () => {
    // 250 more partners whose anniversary fails MFA: each must be told to move.
    expect(await importPartnersFailingMfa(temp.dir, env, 250, (i) => `6${String(i).padStart(6, '0')}`)).toBeNull();
    const due = Object.keys(EXPECTED).length + 250;

    // Stopped (as by SIGTERM) once about 150 partners have been decided: the middle of the second batch.
    const store = await temp.openStore();
    let checks = 0;
    const signal = { get aborted() { return ++checks > 150; }, reason: 'SIGTERM' } as unknown as AbortSignal;
    const stopped = await runReevaluation(
      {
        store,
        policy: loadPolicy(path.join(REPO_ROOT, 'data', 'policy.json')),
        config: readConfig(env),
        templates: loadTemplates(path.join(REPO_ROOT, 'templates')),
        mailer: createMailer({ smtpUrl: null, outboxDir: env.OUTBOX_DIR! }),
      },
      { asOf: AS_OF, dryRun: false, origin: 'manual', now: NOW, log: silentLogger, signal },
    );
    await store.close();
    expect(stopped.json.stopped).toBe(true);
    expect(stopped.stopped?.signal).toBe('SIGTERM');
    const decidedFirst = stopped.json.decisions.length;
    // More than one transaction's worth, and the batch in hand when the stop came is kept whole.
    expect(decidedFirst).toBeGreaterThan(100);
    expect(decidedFirst).toBeLessThan(due);
    expect(await count('decisions')).toBe(decidedFirst);
    expect(stopped.stopped?.summary).toContain(`kept: ${decidedFirst} decisions recorded`);
    // No send starts after a stop: every notice waits in the outbox for the next run.
    expect(stopped.json.notices).toEqual([]);
    expect(emlFiles()).toEqual([]);
    expect(Number((await temp.query<{ n: unknown }>("select count(*) as n from notices where status = 'pending'"))[0]!.n)).toBeGreaterThan(90);
    expect(await temp.query('select status from runs')).toEqual([{ status: 'stopped' }]);

    const rest = await run();
    expect(rest.code).toBe(0);
    const decided = [...stopped.json.decisions, ...rest.json!.decisions].filter((d) => d.outcome !== 'awaiting_support_renewal' && d.outcome !== 'needs_review');
    const keys = decided.map((d) => `${d.partnerId} ${d.trigger} ${d.cycle}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((key) => key.startsWith('6'))).toHaveLength(250);
    expect(decided.filter((d) => d.partnerId.startsWith('6')).every((d) => d.outcome === 'transition_required')).toBe(true);
    const told = rest.json!.notices.map((n) => n.partnerId);
    expect(new Set(told).size).toBe(told.length);
    expect(told).toHaveLength(PARTNER_NOTICES + 250);
    // One operations summary, from the run that finished: it covers the stopped run's decisions too.
    expect(emlFiles()).toHaveLength(PARTNER_NOTICES + 250 + 1);
  });

  it('a dry run decides and renders but leaves no trace', async () => {
    const tables = ['cycles', 'decisions', 'notices', 'runs', 'run_locks'];
    const counts = () => Promise.all(tables.map(count));
    const before = await counts();
    const { code, json } = await run(['--dry-run']);
    expect(code).toBe(0);
    expect(json!.dryRun).toBe(true);
    expect(json!.decisions).toHaveLength(Object.keys(EXPECTED).length);
    expect(json!.notices).toHaveLength(PARTNER_NOTICES);
    expect(json!.notices.every((n) => n.status === 'dry_run')).toBe(true);
    expect(await counts()).toEqual(before);
    expect(emlFiles()).toEqual([]);
  });

  it('a loopback SMTP server receives exactly the expected messages, each with its Message-ID', async () => {
    smtp = await startSmtpServer();
    const { code, json } = await run([], { SMTP_URL: smtp.url });
    expect(code).toBe(0);
    expect(smtp.received).toHaveLength(PARTNER_NOTICES + 1);
    const ids = smtp.received.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(PARTNER_NOTICES + 1);
    const toTransition = smtp.received.find((m) => m.envelopeTo.includes('csp@hikari-sol.example.jp'))!;
    expect(toTransition.parsed.text).toContain('株式会社ひかりソリューションズ');
    expect(toTransition.parsed.text).toContain('間接リセラー');
    expect(toTransition.parsed.html).toBeTruthy();
    const cc = smtp.received.find((m) => m.envelopeTo.includes('csp-admin@sakura-cloud.example.jp'))!;
    expect(cc.envelopeTo).toContain('keiyaku@sakura-cloud.example.jp');
    expect(json!.notices).toHaveLength(PARTNER_NOTICES);
    // Nothing is sent a second time by a re-run.
    await run([], { SMTP_URL: smtp.url });
    expect(smtp.received).toHaveLength(PARTNER_NOTICES + 1);
  });

  it('a failed send keeps the decision, exits 1, and the next run retries it once', async () => {
    smtp = await startSmtpServer();
    smtp.onMessage = () => smtpError('Mailbox busy, try later', 451);
    const failed = await run([], { SMTP_URL: smtp.url });
    expect(failed.code).toBe(1);
    expect(failed.json!.notices.every((n) => n.status === 'failed')).toBe(true);
    const decisionsAfterFailure = await count('decisions');
    expect(smtp.received).toHaveLength(0);

    smtp.onMessage = null;
    const retried = await run([], { SMTP_URL: smtp.url });
    expect(retried.code).toBe(0);
    expect(retried.json!.notices.filter((n) => n.status === 'sent')).toHaveLength(PARTNER_NOTICES);
    expect(await count('decisions')).toBe(decisionsAfterFailure);
    const partnerMessages = smtp.received.filter((m) => !m.envelopeTo.includes('csp-ops@example.com'));
    expect(partnerMessages).toHaveLength(PARTNER_NOTICES);
    expect(new Set(partnerMessages.map((m) => m.parsed.messageId)).size).toBe(PARTNER_NOTICES);
  });

  it('a Shift_JIS partner name reaches its Japanese notice intact', async () => {
    await run();
    const files = emlFiles().map((name) => readFileSync(path.join(env.OUTBOX_DIR!, name)));
    const parsed = await Promise.all(files.map((raw) => simpleParser(raw)));
    const notice = parsed.find((m) => m.text?.includes('株式会社さくらクラウド'));
    expect(notice).toBeDefined();
    expect(notice!.subject).toMatch(/[ぁ-んァ-ン一-龯]/);
  });

  it('an awaiting partner that does not renew by the deadline is then told to move; one that renews is confirmed', async () => {
    await run();
    const plans = path.join(temp.dir, 'renewal.csv');
    writeFileSync(plans, 'partner_id,plan,term_start,term_end\n4010009,ASfP,2026-10-01,2027-09-30\n');
    expect((await runCli(['import', 'support-plans', plans], env, NOW)).code).toBe(0);
    const later = await runCli(['run', '--as-of', '2026-11-02', '--json'], env, () => new Date('2026-11-02T06:00:00Z'));
    expect(later.code).toBe(0);
    const json = JSON.parse(later.stdout) as RunJson;
    const outcome = (id: string) => json.decisions.find((d) => d.partnerId === id)?.outcome;
    expect(outcome('4010002')).toBe('transition_required');
    expect(outcome('4010009')).toBe('confirmed');
    expect(json.decisions.find((d) => d.partnerId === '4010002')!.reapplyEligibleOn).toBe('2027-11-02');
  });

  const insertLockRow = (holder: string, task: string | null = null) => {
    const stamp = NOW().toISOString();
    return temp.query('insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values (?, ?, ?, ?, ?, ?)', ['run', 999, holder, stamp, stamp, task]);
  };

  // On SQLite the lock is an exclusive lock on the file beside the database; the row only names its holder.
  it.runIf(engine === 'sqlite')('a run while another process holds the lock file exits 3 naming it; once it lets go the run succeeds', async () => {
    const holder = new BetterSqlite3(`${env.DATABASE_URL}.lock`);
    try {
      holder.exec('BEGIN EXCLUSIVE');
      await insertLockRow('other-host:4242', 'run 999');
      const locked = await run();
      expect(locked.code).toBe(3);
      expect(locked.stderr).toMatch(/another run holds the lock \(run 999, other-host:4242, since 2026-10-15T06:00:00.000Z\); nothing was recorded/);
      expect(await Promise.all(['decisions', 'notices', 'runs'].map(count))).toEqual([0, 0, 0]);
    } finally {
      holder.close();
    }
    const after = await run();
    expect(after.code).toBe(0);
    expect(after.json!.decisions).toHaveLength(Object.keys(EXPECTED).length);
  });

  it.runIf(engine === 'postgres')('a run while another container holds the advisory lock exits 3 naming the lock; once released the run succeeds', async () => {
    const other = new pg.Client({ connectionString: temp.databaseUrl });
    await other.connect();
    try {
      const taken = await other.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_KEY]);
      expect(taken.rows[0]!.locked).toBe(true);
      const locked = await run();
      expect(locked.code).toBe(3);
      expect(locked.stderr).toMatch(/another run holds the lock/);
      expect(locked.stderr).toContain(`advisory lock ${ADVISORY_KEY}`);
      expect(await Promise.all(['decisions', 'notices', 'runs', 'run_locks'].map(count))).toEqual([0, 0, 0, 0]);

      await other.query('select pg_advisory_unlock($1::bigint)', [ADVISORY_KEY]);
      const after = await run();
      expect(after.code).toBe(0);
      expect(after.json!.decisions).toHaveLength(Object.keys(EXPECTED).length);
      // The finished run let go of the lock: the other container may take it now.
      const free = await other.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_KEY]);
      expect(free.rows[0]!.locked).toBe(true);
    } finally {
      await other.end();
    }
  });

  it('a lock row naming a holder on another host, with a fresh heartbeat, but no lock held: the run starts at once and marks that run interrupted', async () => {
    // A container that was killed: its hostname is not ours, and no timeout has passed.
    const stamp = new Date().toISOString();
    await temp.query(
      "insert into runs (id, as_of, origin, dry_run, status, started_at, heartbeat_at, holder, counts) values (999, ?, 'scheduled', 0, 'running', ?, ?, ?, '{}')",
      [AS_OF, stamp, stamp, 'a1b2c3d4e5f6:1'],
    );
    await temp.query('insert into run_locks (name, run_id, holder, acquired_at, heartbeat_at, task) values (?, ?, ?, ?, ?, ?)', ['run', 999, 'a1b2c3d4e5f6:1', stamp, stamp, 'run 999']);
    expect(JSON.parse((await runCli(['runs', '--json'], env, NOW)).stdout)).toMatchObject([{ id: 999, status: 'interrupted' }]);

    const recovered = await run();
    expect(recovered.code).toBe(0);
    expect(recovered.stderr).toMatch(/recovered a stale run lock/);
    expect(recovered.json!.decisions).toHaveLength(Object.keys(EXPECTED).length);
    expect(await temp.query('select status from runs where id = 999')).toEqual([{ status: 'interrupted' }]);
    expect(await count('run_locks')).toBe(0);
  });

  it('explain answers why, with the evidence, the policy version and the notice', async () => {
    await run();
    const { code, stdout } = await runCli(['explain', '4010003', '--as-of', AS_OF], env, NOW);
    expect(code).toBe(0);
    expect(stdout).toContain('transition_required');
    expect(stdout).toContain('999999.99');
    expect(stdout).toContain('2025-10-01');
    expect(stdout).toContain('policy 2025-10');
    expect(stdout).toMatch(/sent/);
    expect((await runCli(['explain', 'nope'], env, NOW)).code).toBe(2);
  });

  it('report --format csv lists every decided cycle and keeps formulas inert', async () => {
    await run();
    const { code, stdout } = await runCli(['report', '--cycle', '2026-10', '--format', 'csv'], env, NOW);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(/^partner_id,partner_name,trigger,cycle,outcome/);
    expect(lines).toHaveLength(1 + Object.keys(EXPECTED).filter((k) => k.endsWith('2026-10')).length);
  });

  it('runs --json lists the run under the same numeric id that run --json printed', async () => {
    const { json } = await run();
    const listed = await runCli(['runs', '--json'], env, NOW);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: json!.runId, as_of: AS_OF, status: 'completed', dry_run: 0 }]);
    expect(typeof json!.runId).toBe('number');
  });

  it('a bad policy file and a bad --as-of are usage errors (exit 2) that name the problem', async () => {
    const policy = path.join(temp.dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ version: '' }));
    const bad = await runCli(['run', '--policy', policy], env, NOW);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(policy);
    const badDate = await runCli(['run', '--as-of', '2026-02-30'], env, NOW);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('2026-02-30');
  });
});
