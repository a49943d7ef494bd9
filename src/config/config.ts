import path from 'node:path';
import { UsageError } from '../errors.js';

/** The environment, read once at the entry point, validated and frozen. */
export interface Config {
  database: { kind: 'sqlite'; file: string; busyTimeoutMs?: number } | { kind: 'postgres'; url: string };
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

const EMAIL = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+\.[^\s@<>(),;:"\\]+$/;

export function readConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL?.trim() || 'data/reeval.sqlite';
  const busySeconds = seconds(env, 'DATABASE_LOCK_TIMEOUT_SECONDS', 10, problems);
  const database: Config['database'] = /^postgres(ql)?:\/\//.test(databaseUrl)
    ? { kind: 'postgres', url: databaseUrl }
    : { kind: 'sqlite', file: path.resolve(cwd, databaseUrl.replace(/^sqlite:(\/\/)?/, '')), busyTimeoutMs: busySeconds * 1000 };
  const smtpTimeoutMs = seconds(env, 'SMTP_TIMEOUT_SECONDS', 30, problems) * 1000;
  const scheduleRetryMs = seconds(env, 'SCHEDULE_RETRY_SECONDS', 60, problems) * 1000;

  const smtpUrl = env.SMTP_URL?.trim() || null;
  if (smtpUrl !== null && !/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
    problems.push('SMTP_URL must be an smtp:// or smtps:// URL');
  }
  const mailFrom = env.MAIL_FROM?.trim() || 'csp-reeval@localhost.localdomain';
  if (!isMailbox(mailFrom)) problems.push('MAIL_FROM must be one email address, optionally as "Name <address>"');
  const opsEmail = env.OPS_EMAIL?.trim() || null;
  if (opsEmail !== null && !EMAIL.test(opsEmail)) problems.push('OPS_EMAIL must be one email address');

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

export function isEmail(text: string): boolean {
  return EMAIL.test(text) && text.length <= 254;
}

function isMailbox(text: string): boolean {
  if (/[\r\n]/.test(text)) return false;
  const named = /^[^<>\r\n]*<([^<>]+)>$/.exec(text);
  return isEmail(named ? named[1]! : text);
}

/** `smtp://user:secret@host` → `smtp://user:***@host`, for anything a person may read. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const user = auth.split(':')[0] ?? '';
    return `${scheme}${user ? `${user}:***` : '***'}@`;
  });
}
