import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SMTP_LANES } from '../../src/mail/mailer.js';
import type { RunJson } from '../../src/run/run.js';
import { importPartnersFailingMfa, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { closedPort, type FaultySmtpServer, startFaultySmtpServer } from '../helpers/faulty-smtp.js';
import { tempDir } from '../helpers/temp-store.js';

const AS_OF = '2026-10-15';
const START = Date.parse('2026-10-15T06:00:00Z');
/** Eight partners told of their decisions, and one warned of its January renewal. */
const PARTNER_NOTICES = 9;

interface NoticeState {
  partner_id: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  message_id: string;
}

/**
 * The mail server misbehaves on purpose, and every run is checked for the notice status, the retry
 * policy and the exit code it must give. Runs are in-process with a controlled clock.
 */
describe('SMTP faults', () => {
  let dir: string;
  let cleanup: () => void;
  let env: Record<string, string>;
  let smtp: FaultySmtpServer;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    env = {
      DATABASE_URL: path.join(dir, 'reeval.sqlite'),
      OPS_EMAIL: 'csp-ops@example.com',
      MAIL_FROM: 'CSP Programme <csp-programme@example.com>',
      SMTP_TIMEOUT_SECONDS: '1',
    };
    expect((await runCli(['import', SAMPLE_DIR], env)).code).toBe(0);
    smtp = await startFaultySmtpServer();
  });
  afterEach(async () => {
    await smtp.close();
    cleanup();
  });

  const run = async (smtpUrl: string, minutesLater = 0) => {
    const now = () => new Date(START + minutesLater * 60_000);
    const result = await runCli(['run', '--as-of', AS_OF, '--json'], { ...env, SMTP_URL: smtpUrl }, now);
    return { ...result, json: JSON.parse(result.stdout) as RunJson };
  };
  const notices = (): NoticeState[] => {
    const db = new BetterSqlite3(env.DATABASE_URL!, { readonly: true });
    try {
      return db.prepare('select partner_id, status, attempts, last_error, next_attempt_at, message_id from notices order by id').all() as NoticeState[];
    } finally {
      db.close();
    }
  };
  const decisions = () => {
    const db = new BetterSqlite3(env.DATABASE_URL!, { readonly: true });
    try {
      return (db.prepare('select count(*) as n from decisions').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  /** Every notice in the database went out exactly once: one received message per Message-ID. */
  const expectEachSentOnce = () => {
    const sent = notices().filter((n) => n.status === 'sent').map((n) => n.message_id).sort();
    const received = smtp.received.map((m) => m.messageId).sort();
    expect(received).toEqual(sent);
  };

  it('connection refused: every notice fails, decisions stay, exit 1, and the next run delivers each once', async () => {
    const refused = await run(`smtp://reeval:Fault-Pa55word@127.0.0.1:${await closedPort()}`);
    expect(refused.code).toBe(1);
    expect(decisions()).toBe(11);
    expect(refused.json.notices.every((n) => n.status === 'failed')).toBe(true);
    // Every notice was tried once (they all fit in the send lanes at once); nothing is lost.
    expect(notices().every((n) => n.attempts === 1 && n.status === 'failed')).toBe(true);
    expect(notices().every((n) => n.status !== 'sent')).toBe(true);
    expect(refused.stderr + refused.stdout).not.toContain('Fault-Pa55word');

    const delivered = await run(smtp.url);
    expect(delivered.code).toBe(0);
    expect(notices().every((n) => n.status === 'sent')).toBe(true);
    expect(smtp.received).toHaveLength(PARTNER_NOTICES + 1);
    expect(decisions()).toBe(11);
    expectEachSentOnce();
  });

  it('a mail server that is down is given up on for the run: the notices not yet tried keep their state', async () => {
    // Forty more partners whose anniversary fails MFA: more notices than there are send lanes.
    expect(SMTP_LANES).toBeLessThan(PARTNER_NOTICES + 40 - 10);
    expect(await importPartnersFailingMfa(dir, env, 40, (i) => `50000${String(i).padStart(2, '0')}`)).toBeNull();
    const refused = await run(`smtp://reeval:Fault-Pa55word@127.0.0.1:${await closedPort()}`);
    expect(refused.code).toBe(1);
    const partnerNotices = notices().filter((n) => n.partner_id !== null);
    expect(partnerNotices).toHaveLength(PARTNER_NOTICES + 40);
    const tried = partnerNotices.filter((n) => n.attempts === 1).length;
    // Each lane's first send fails, a few more start before three failures in a row are counted.
    expect(tried).toBeGreaterThanOrEqual(SMTP_LANES);
    expect(tried).toBeLessThan(SMTP_LANES + 10);
    expect(partnerNotices.filter((n) => n.attempts === 0 && n.status === 'pending')).toHaveLength(PARTNER_NOTICES + 40 - tried);
    expect(refused.stderr).toMatch(/sends failed in a row: the remaining notices wait for the next run/);

    const delivered = await run(smtp.url);
    expect(delivered.code).toBe(0);
    expectEachSentOnce();
  });

  it('a server that never answers: sends time out within the bounded time and the run still finishes', async () => {
    smtp.behaviour = { kind: 'silent' };
    const started = Date.now();
    const result = await run(smtp.url);
    const seconds = (Date.now() - started) / 1000;
    expect(result.code).toBe(1);
    // One round of one-second timeouts in parallel and the operations summary's, not one per notice.
    expect(seconds).toBeLessThan(5);
    expect(notices().every((n) => n.status === 'failed' || n.status === 'pending')).toBe(true);
    expect(notices().find((n) => n.last_error)?.last_error).toMatch(/Greeting never received|timeout/i);
  });

  it('a server that trickles every reply a byte at a time: each send ends at SMTP_TIMEOUT_SECONDS, and is retried later', async () => {
    // An EHLO reply alone takes ten seconds at this pace, and no single wait reaches the timeout.
    smtp.behaviour = { kind: 'trickle', byteEveryMs: 200 };
    const started = Date.now();
    const trickled = await run(smtp.url);
    const seconds = (Date.now() - started) / 1000;
    expect(trickled.code).toBe(1);
    // Every notice fits in the send lanes at once: one round of one-second sends, then the
    // operations summary's; unbounded, one message alone took over twenty seconds here.
    expect(seconds).toBeLessThan(8);
    expect(smtp.received).toHaveLength(0);
    const failed = notices();
    expect(failed.every((n) => n.status === 'failed' && n.attempts === 1)).toBe(true);
    expect(failed[0]!.last_error).toMatch(/did not finish within 1 s \(SMTP_TIMEOUT_SECONDS\)/);

    smtp.behaviour = { kind: 'normal' };
    expect((await run(smtp.url)).code).toBe(0);
    expectEachSentOnce();
    expect(smtp.received).toHaveLength(PARTNER_NOTICES + 1);
  });

  it('a connection dropped in the middle of DATA is a temporary failure, retried once by the next run', async () => {
    smtp.behaviour = { kind: 'drop-in-data' };
    const dropped = await run(smtp.url);
    expect(dropped.code).toBe(1);
    expect(smtp.received).toHaveLength(0);
    expect(notices().filter((n) => n.status === 'failed').length).toBeGreaterThan(0);

    smtp.behaviour = { kind: 'normal' };
    const retried = await run(smtp.url);
    expect(retried.code).toBe(0);
    expectEachSentOnce();
    expect(smtp.received).toHaveLength(PARTNER_NOTICES + 1);
  });

  it('a 5xx for the only recipient is permanent: not retried, reported to operations, exit 1', async () => {
    smtp.onRecipient = (address) => (address === 'csp@hikari-sol.example.jp' ? '550 5.1.1 no such mailbox' : null);
    const first = await run(smtp.url);
    expect(first.code).toBe(1);
    const rejected = notices().find((n) => n.partner_id === '4010003')!;
    expect(rejected).toMatchObject({ status: 'rejected', attempts: 1, next_attempt_at: null });
    expect(rejected.last_error).toContain('550');
    const summary = smtp.received.find((m) => m.envelopeTo.includes('csp-ops@example.com'))!;
    expect(summary.raw).toContain('4010003');
    expect(summary.raw).toMatch(/550/);

    const connectionsBefore = smtp.connections;
    const again = await run(smtp.url, 60);
    expect(again.code).toBe(0);
    expect(again.json.notices).toEqual([]);
    expect(smtp.connections).toBe(connectionsBefore);
    expect(notices().find((n) => n.partner_id === '4010003')!.attempts).toBe(1);
  });

  it('a 5xx for one of several recipients: sent to the others once, the refusal kept and reported, exit 1', async () => {
    smtp.onRecipient = (address) => (address === 'keiyaku@sakura-cloud.example.jp' ? '550 5.1.1 no such mailbox' : null);
    const result = await run(smtp.url);
    expect(result.code).toBe(1);
    const partial = notices().find((n) => n.partner_id === '4010001')!;
    expect(partial.status).toBe('sent');
    expect(partial.last_error).toMatch(/keiyaku@sakura-cloud\.example\.jp/);
    const delivered = smtp.received.filter((m) => m.envelopeTo.includes('csp-admin@sakura-cloud.example.jp'));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.envelopeTo).not.toContain('keiyaku@sakura-cloud.example.jp');
    const summary = smtp.received.find((m) => m.envelopeTo.includes('csp-ops@example.com'))!;
    expect(summary.raw).toContain('keiyaku@sakura-cloud.example.jp');
    // Not sent again: the accepted recipient must not get it twice.
    await run(smtp.url, 60);
    expect(smtp.received.filter((m) => m.envelopeTo.includes('csp-admin@sakura-cloud.example.jp'))).toHaveLength(1);
  });

  it('4xx: retried by the next three runs at once, then with a growing back-off, then abandoned and reported', async () => {
    smtp.onMessage = (message) => (message.envelopeTo.includes('csp-ops@example.com') ? null : '451 4.3.0 try again later');
    const target = () => notices().find((n) => n.partner_id === '4010006')!;
    const attempts: number[] = [];
    // Runs one minute apart: the first three failures are retried straight away.
    for (let minute = 0; minute < 3; minute++) {
      expect((await run(smtp.url, minute)).code).toBe(1);
      attempts.push(target().attempts);
    }
    expect(attempts).toEqual([1, 2, 3]);
    // After the fourth failure the next try waits five minutes: a run two minutes later leaves it alone.
    await run(smtp.url, 3);
    expect(target().attempts).toBe(4);
    expect(Date.parse(target().next_attempt_at!)).toBe(START + 3 * 60_000 + 5 * 60_000);
    await run(smtp.url, 5);
    expect(target().attempts).toBe(4);
    await run(smtp.url, 9);
    expect(target().attempts).toBe(5);
    expect(Date.parse(target().next_attempt_at!)).toBe(START + 9 * 60_000 + 10 * 60_000);
    // Hours later, every run retries until the tenth attempt, which abandons it.
    for (let hour = 1; target().status === 'failed'; hour++) await run(smtp.url, hour * 24 * 60);
    expect(target()).toMatchObject({ status: 'abandoned', attempts: 10, next_attempt_at: null });
    const lastSummary = smtp.received.filter((m) => m.envelopeTo.includes('csp-ops@example.com')).pop()!;
    expect(lastSummary.raw).toContain('4010006');
    expect(smtp.received.filter((m) => !m.envelopeTo.includes('csp-ops@example.com'))).toHaveLength(0);
  });
});
