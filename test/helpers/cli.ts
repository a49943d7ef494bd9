import { writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SAMPLE_DIR = path.join(REPO_ROOT, 'data', 'sample');

/** The environment of a command on a test database: its outbox beside it, operations told, a fixed sender. */
export function commandEnv(temp: { databaseUrl: string; dir: string }): Record<string, string> {
  return {
    DATABASE_URL: temp.databaseUrl,
    OUTBOX_DIR: path.join(temp.dir, 'outbox'),
    OPS_EMAIL: 'csp-ops@example.com',
    MAIL_FROM: 'CSP Programme <csp-programme@example.com>',
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

/** Runs the real command line in-process, with its own environment, and captures what it prints. */
export async function runCli(args: string[], env: Record<string, string>, now: () => Date = () => new Date()): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, {
    stdout,
    stderr,
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: REPO_ROOT,
    now,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * Imports `count` more partners into the database of `env`, each with a support plan and an
 * anniversary in October 2026 that fails MFA: each is told to move by a run as of 2026-10-15.
 * Returns whatever import failed, or null.
 */
export async function importPartnersFailingMfa(dir: string, env: Record<string, string>, count: number, id: (i: number) => string): Promise<CliResult | null> {
  const write = (name: string, header: string, row: (i: number) => string) => {
    const file = path.join(dir, name);
    writeFileSync(file, `${header}\n${Array.from({ length: count }, (_, i) => row(i)).join('\n')}\n`);
    return file;
  };
  for (const [kind, file] of [
    ['partners', write('extra-partners.csv', 'partner_id,partner_name,onboarded_on,notice_to', (i) => `${id(i)},Extra ${i},2020-10-01,x${i}@example.com`)],
    ['support-plans', write('extra-support.csv', 'partner_id,plan,term_start,term_end', (i) => `${id(i)},ASfP,2026-04-01,2027-03-31`)],
    [
      'security',
      write('extra-security.csv', 'partner_id,as_of,admin_users,admin_users_with_mfa,security_contact,alerts_total,alerts_responded_in_time', (i) => `${id(i)},2026-10-01,5,4,soc@example.com,0,0`),
    ],
  ] as const) {
    const result = await runCli(['import', kind, file], env);
    if (result.code !== 0) return result;
  }
  return null;
}
