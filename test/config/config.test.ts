import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/config.js';
import { UsageError } from '../../src/errors.js';

const CWD = '/srv/reeval';

/** Every problem readConfig lists for `env`, or a failed test when it accepts it. */
function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const [first, ...rest] = (error as Error).message.split('\n');
    expect(first).toBe('configuration is not valid:');
    return rest.map((line) => line.trim());
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('readConfig', () => {
  it('gives every setting its documented default, paths resolved against the working folder', () => {
    const config = readConfig({}, CWD);
    expect(config).toEqual({
      database: { kind: 'sqlite', file: path.join(CWD, 'data/reeval.sqlite'), busyTimeoutMs: 10_000 },
      lockTimeoutMs: 10_000,
      scheduleRetryMs: 60_000,
      smtpUrl: null,
      smtpTimeoutMs: 30_000,
      mailFrom: 'csp-reeval@localhost.localdomain',
      opsEmail: null,
      outboxDir: path.join(CWD, 'data/outbox'),
      policyFile: path.join(CWD, 'data/policy.json'),
      cronSchedule: '0 6 * * *',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every setting given, trimmed, and treats a blank one as absent', () => {
    const config = readConfig(
      {
        DATABASE_URL: ' postgres://reeval:pw@db:5432/reeval ',
        DATABASE_LOCK_TIMEOUT_SECONDS: '2.5',
        DATABASE_CONNECT_TIMEOUT_SECONDS: '3',
        SMTP_URL: 'smtps://u:p@smtp.example.com:465',
        SMTP_TIMEOUT_SECONDS: '45',
        SCHEDULE_RETRY_SECONDS: '120',
        MAIL_FROM: 'CSP Team <csp@example.com>',
        OPS_EMAIL: 'ops@example.com',
        OUTBOX_DIR: '/var/outbox',
        POLICY_FILE: 'policy/2026.json',
        CRON_SCHEDULE: '   ',
      },
      CWD,
    );
    expect(config).toMatchObject({
      database: { kind: 'postgres', url: 'postgres://reeval:pw@db:5432/reeval', connectTimeoutMs: 3_000 },
      lockTimeoutMs: 2_500,
      smtpUrl: 'smtps://u:p@smtp.example.com:465',
      smtpTimeoutMs: 45_000,
      scheduleRetryMs: 120_000,
      mailFrom: 'CSP Team <csp@example.com>',
      opsEmail: 'ops@example.com',
      outboxDir: '/var/outbox',
      policyFile: path.join(CWD, 'policy/2026.json'),
      cronSchedule: '0 6 * * *',
    });
  });

  it('takes a sqlite: prefix and a relative or absolute path as a SQLite file', () => {
    expect(readConfig({ DATABASE_URL: 'sqlite:db/x.sqlite' }, CWD).database).toMatchObject({ kind: 'sqlite', file: path.join(CWD, 'db/x.sqlite') });
    expect(readConfig({ DATABASE_URL: 'sqlite:///tmp/x.sqlite' }, CWD).database).toMatchObject({ kind: 'sqlite', file: '/tmp/x.sqlite' });
    expect(readConfig({ DATABASE_URL: 'postgresql://h/db' }, CWD).database).toMatchObject({ kind: 'postgres' });
  });

  it('refuses another scheme rather than making a SQLite file of it, never showing the password', () => {
    const [problem] = problems({ DATABASE_URL: 'mysql://admin:hunter2@db/reeval' });
    expect(problem).toBe("DATABASE_URL must be a SQLite file path or a postgres:// URL, got a 'mysql:' URL (mysql://admin:***@db/reeval)");
    expect(problems({ DATABASE_URL: 'file:reeval.db' })[0]).toMatch(/got a 'file:' URL/);
  });

  it('names what is wrong with a PostgreSQL URL, without its password', () => {
    expect(problems({ DATABASE_URL: 'postgres:reeval' })[0]).toMatch(/is not a valid PostgreSQL URL: expected postgres:\/\/user:password@host:port\/database$/);
    expect(problems({ DATABASE_URL: 'postgres://u:p@host:notaport/db' })[0]).toMatch(/it cannot be parsed/);
    const broken = problems({ DATABASE_URL: 'postgres://u:s3cr%zzet@host/db' })[0]!;
    expect(broken).toMatch(/a %-escape in the user, password or database name is broken$/);
    expect(broken).not.toContain('s3cr');
    expect(problems({ DATABASE_URL: 'postgres://h/db/extra' })[0]).toMatch(/the database name 'db\/extra' holds a '\/'$/);
  });

  it('lists every problem at once, each naming its variable and value', () => {
    expect(
      problems({
        DATABASE_LOCK_TIMEOUT_SECONDS: '0',
        SMTP_TIMEOUT_SECONDS: '1e3',
        SCHEDULE_RETRY_SECONDS: '3601',
        SMTP_URL: 'http://smtp.example.com',
        MAIL_FROM: 'a@b.example.com, c@d.example.com',
        OPS_EMAIL: 'ops',
      }),
    ).toEqual([
      "DATABASE_LOCK_TIMEOUT_SECONDS must be a number of seconds between 0 and 3600, got '0'",
      "SMTP_TIMEOUT_SECONDS must be a number of seconds between 0 and 3600, got '1e3'",
      "SCHEDULE_RETRY_SECONDS must be a number of seconds between 0 and 3600, got '3601'",
      'SMTP_URL must be an smtp:// or smtps:// URL',
      'MAIL_FROM must be one email address, optionally as "Name <address>"',
      'OPS_EMAIL must be one email address',
    ]);
  });

  it('refuses a line break in MAIL_FROM, which would open a header', () => {
    expect(problems({ MAIL_FROM: 'CSP <csp@example.com>\r\nBcc: x@example.com' })).toEqual(['MAIL_FROM must be one email address, optionally as "Name <address>"']);
  });
});
