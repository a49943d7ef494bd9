import path from 'node:path';
import { UsageError } from '../errors.js';
import { redactUrl } from './redact.js';
import { isEmail } from '../domain/email.js';

/** The environment, read once at the entry point, validated and frozen. */
export interface Config {
  database: { kind: 'sqlite'; file: string; busyTimeoutMs?: number } | { kind: 'postgres'; url: string; connectTimeoutMs?: number };
  smtpUrl: string | null;
  /** How long an import waits for a run (or a run for an import) to let go of the lock before exit 3. */
  lockTimeoutMs: number;
  /** How long a scheduled run that found the lock taken waits before it tries again. */
  scheduleRetryMs: number;
  /** How long one SMTP send may take as a whole (connection, greeting, every reply) before it counts as failed. */
  smtpTimeoutMs: number;
  mailFrom: string;
  opsEmail: string | null;
  outboxDir: string;
  policyFile: string;
  cronSchedule: string;
}


export function readConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() || 'data/reeval.sqlite';
  const busySeconds = seconds(env, 'DATABASE_LOCK_TIMEOUT_SECONDS', 10, problems);
  const connectSeconds = seconds(env, 'DATABASE_CONNECT_TIMEOUT_SECONDS', 10, problems);
  const database = readDatabaseUrl(databaseUrl, cwd, problems, { busyTimeoutMs: busySeconds * 1000, connectTimeoutMs: connectSeconds * 1000 });
  const smtpTimeoutMs = seconds(env, 'SMTP_TIMEOUT_SECONDS', 30, problems) * 1000;
  const scheduleRetryMs = seconds(env, 'SCHEDULE_RETRY_SECONDS', 60, problems) * 1000;

  const smtpUrl = env.SMTP_URL?.trim() || null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  }
  const mailFrom = env.MAIL_FROM?.trim() || 'csp-reeval@localhost.localdomain';
  if (!isMailbox(mailFrom)) problems.push('MAIL_FROM must be one email address, optionally as "Name <address>"');
  const opsEmail = env.OPS_EMAIL?.trim() || null;
  if (opsEmail !== null && !isEmail(opsEmail)) problems.push('OPS_EMAIL must be one email address');

  if (problems.length > 0) throw new UsageError(`configuration is not valid:\n  ${problems.join('\n  ')}`);
  return Object.freeze({
    database,
    lockTimeoutMs: busySeconds * 1000,
    scheduleRetryMs,
    smtpUrl,
    smtpTimeoutMs,
    mailFrom,
    opsEmail,
    outboxDir: path.resolve(cwd, env.OUTBOX_DIR?.trim() || 'data/outbox'),
    policyFile: path.resolve(cwd, env.POLICY_FILE?.trim() || 'data/policy.json'),
    cronSchedule: env.CRON_SCHEDULE?.trim() || '0 6 * * *',
  });
}

/**
 * A SQLite file path (a `sqlite:` prefix allowed) or a `postgres://` URL. Any other scheme is refused:
 * read as a path, `mysql://…` or `file:…` would quietly become a new SQLite file in the working folder.
 */
function readDatabaseUrl(text: string, cwd: string, problems: string[], timeouts: { busyTimeoutMs: number; connectTimeoutMs: number }): Config['database'] {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const problem = postgresUrlProblem(text);
    if (problem) problems.push(`DATABASE_URL ${redactUrl(text)} is not a valid PostgreSQL URL: ${problem}`);
    return { kind: 'postgres', url: text, connectTimeoutMs: timeouts.connectTimeoutMs };
  }
  if (scheme !== undefined && scheme !== 'sqlite') {
    problems.push(`DATABASE_URL must be a SQLite file path or a postgres:// URL, got a '${scheme}:' URL (${redactUrl(text)})`);
  }
  return { kind: 'sqlite', file: path.resolve(cwd, text.replace(/^sqlite:(\/\/)?/i, '')), busyTimeoutMs: timeouts.busyTimeoutMs };
}

/** What the PostgreSQL client would choke on (with a stack trace, or by connecting somewhere else), or null. */
function postgresUrlProblem(text: string): string | null {
  if (!/^postgres(ql)?:\/\//i.test(text)) return "expected postgres://user:password@host:port/database";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it cannot be parsed (check the host and port, and percent-encode special characters in the password)';
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    decodeURIComponent(url.pathname);
  } catch {
    return 'a %-escape in the user, password or database name is broken';
  }
  if (url.pathname.slice(1).includes('/')) return `the database name '${url.pathname.slice(1)}' holds a '/'`;
  return null;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, problems: string[]): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || value > 3600) {
    problems.push(`${name} must be a number of seconds between 0 and 3600, got '${text}'`);
    return fallback;
  }
  return value;
}

function isMailbox(text: string): boolean {
  if (/[\r\n]/.test(text)) return false;
  const named = /^[^<>\r\n]*<([^<>]+)>$/.exec(text);
  return isEmail(named ? named[1]! : text);
}
