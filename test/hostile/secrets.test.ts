import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-store.js';

const NOW = () => new Date('2026-10-15T06:00:00Z');
const PASSWORD = 'S3cr3t-P%40ss';
const SECRETS = [PASSWORD, decodeURIComponent(PASSWORD), 'S3cr3t'];

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SMTP credentials', () => {
  let dir: string;
  let cleanup: () => void;
  let env: Record<string, string>;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    env = { DATABASE_URL: path.join(dir, 'reeval.sqlite'), OUTBOX_DIR: path.join(dir, 'outbox'), OPS_EMAIL: 'ops@example.com', SMTP_TIMEOUT_SECONDS: '2' };
    const imported = await runCli(['import', SAMPLE_DIR], env, NOW);
    expect(imported.code).toBe(0);
  });
  afterEach(() => cleanup());

  /** Everything a person or a log collector could read: every command's output and every byte of the database. */
  async function everythingReadable(smtpUrl: string): Promise<{ text: string; lastErrors: string[]; runCode: number }> {
    const withSmtp = { ...env, SMTP_URL: smtpUrl };
    const commands = [
      ['run', '--as-of', '2026-10-15'],
      ['run', '--as-of', '2026-10-16', '--json'],
      ['explain', '4010003', '--as-of', '2026-10-16'],
      ['explain', '4010003', '--json'],
      ['report', '--format', 'csv'],
      ['report', '--format', 'json'],
      ['report', '--format', 'html'],
      ['runs'],
      ['runs', '--json'],
      ['due', '--as-of', '2026-10-16', '--json'],
    ];
    let text = '';
    let runCode = -1;
    for (const args of commands) {
      const result = await runCli(args, withSmtp, NOW);
      if (runCode === -1) runCode = result.code;
      text += `${args.join(' ')} → ${result.code}\n${result.stdout}\n${result.stderr}\n`;
    }
    for (const name of readdirSync(dir).filter((file) => file.startsWith('reeval.sqlite'))) text += readFileSync(path.join(dir, name)).toString('latin1');
    const db = new Database(env.DATABASE_URL!, { readonly: true });
    const lastErrors = db.prepare('SELECT last_error FROM notices WHERE last_error IS NOT NULL').pluck().all() as string[];
    db.close();
    return { text, lastErrors, runCode };
  }

  it('never shows the password, raw or decoded, in any output, report, explanation, run list or the database when sending fails', async () => {
    const port = await closedPort();
    const { text, lastErrors, runCode } = await everythingReadable(`smtp://user:${PASSWORD}@127.0.0.1:${port}`);
    // The sends did fail, and the failure was recorded where someone will read it.
    expect(runCode).toBe(1);
    expect(lastErrors.length).toBeGreaterThan(0);
    expect(lastErrors.join('\n')).toMatch(/ECONNREFUSED/);
    expect(text).toMatch(/ECONNREFUSED/);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  });

  it('hides a password written with a raw @ and a URL nodemailer cannot use', async () => {
    const port = await closedPort();
    const raw = await everythingReadable(`smtp://user:S3cr3t-P@ss@127.0.0.1:${port}`);
    expect(raw.runCode).toBe(1);
    const invalid = await runCli(['run', '--as-of', '2026-10-15'], { ...env, SMTP_URL: `smtp://user:${PASSWORD}@[::1` }, NOW);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/SMTP_URL .* cannot be used/);
    for (const secret of [...SECRETS, 'P@ss']) {
      expect(raw.text).not.toContain(secret);
      expect(invalid.stderr + invalid.stdout).not.toContain(secret);
    }
  });
});
