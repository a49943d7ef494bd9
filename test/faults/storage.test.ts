import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/run/run.js';
import { runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { writeDuePartners } from '../helpers/generated-partners.js';
import { spawnCli } from '../helpers/spawn-cli.js';
import { startFaultySmtpServer } from '../helpers/faulty-smtp.js';
import { canMount } from '../helpers/mounts.js';
import { tempDir } from '../helpers/temp-store.js';

const AS_OF = '2026-10-15';
const NOW = () => new Date('2026-10-15T06:00:00Z');
const NOTICES = 10; // eight partners decided, one warned of its January renewal, and the operations summary

const MOUNTABLE = canMount();
if (!MOUNTABLE) {
  process.stderr.write(`storage faults: the tests on a full or read-only disk are skipped: a tmpfs cannot be mounted here (it needs root)${process.env.CI === 'true' ? ', which CI must allow' : ''}\n`);
}
/** Under CI a machine that cannot mount one is an error, not a skip. */
const ON_TMPFS = MOUNTABLE || process.env.CI === 'true';

describe('storage faults', () => {
  let dir: string;
  let cleanup: () => void;
  let env: Record<string, string>;
  const mounted: string[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    env = { DATABASE_URL: path.join(dir, 'reeval.sqlite'), OUTBOX_DIR: path.join(dir, 'outbox'), OPS_EMAIL: 'csp-ops@example.com' };
    expect((await runCli(['import', SAMPLE_DIR], env, NOW)).code).toBe(0);
  });
  afterEach(() => {
    for (const point of mounted.splice(0)) execFileSync('umount', [point]);
    cleanup();
  });

  const run = async (extra: Record<string, string> = {}) => {
    const result = await runCli(['run', '--as-of', AS_OF, '--json'], { ...env, ...extra }, NOW);
    return { ...result, json: result.stdout ? (JSON.parse(result.stdout) as RunJson) : null };
  };
  const count = (sql: string) => {
    const db = new BetterSqlite3(env.DATABASE_URL!, { readonly: true });
    try {
      return (db.prepare(sql).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const mountTmpfs = (point: string, options: string) => {
    mkdirSync(point, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', point]);
    mounted.push(point);
  };
  /** Every .eml is a whole message that parses, and no temporary file is left behind. */
  const outboxContents = async (outbox: string) => {
    const names = readdirSync(outbox);
    expect(names.filter((name) => !name.endsWith('.eml'))).toEqual([]);
    const parsed = await Promise.all(names.map((name) => simpleParser(readFileSync(path.join(outbox, name)))));
    for (const message of parsed) expect(message.html).toMatch(/<\/html>\s*$/);
    return parsed.map((message) => message.messageId).sort();
  };

  it('a missing outbox folder is created', async () => {
    const outbox = path.join(dir, 'not', 'yet', 'there');
    const result = await run({ OUTBOX_DIR: outbox });
    expect(result.code).toBe(0);
    expect(await outboxContents(outbox)).toHaveLength(NOTICES);
  });

  it.runIf(ON_TMPFS)('a read-only outbox: clear errors, nothing half-written, everything sent once it is writable', async () => {
    const outbox = path.join(dir, 'ro-outbox');
    mountTmpfs(outbox, 'ro,size=1m');
    const failed = await run({ OUTBOX_DIR: outbox });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/could not write .*ro-outbox.*(EROFS|read-only)/);
    expect(readdirSync(outbox)).toEqual([]);
    expect(count("select count(*) as n from notices where status = 'sent'")).toBe(0);
    expect(count('select count(*) as n from decisions')).toBe(11);

    execFileSync('mount', ['-o', 'remount,rw', outbox]);
    const retried = await run({ OUTBOX_DIR: outbox });
    expect(retried.code).toBe(0);
    const ids = await outboxContents(outbox);
    expect(ids).toHaveLength(NOTICES);
    expect(new Set(ids).size).toBe(NOTICES);
  });

  it.runIf(ON_TMPFS)('a disk that fills up while .eml files are written: no partial file, the rest sent when there is room', async () => {
    const outbox = path.join(dir, 'small-outbox');
    // Room for a few messages only (each is ~10 KB of text and HTML).
    mountTmpfs(outbox, 'size=40k');
    const full = await run({ OUTBOX_DIR: outbox });
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/ENOSPC|no space/i);
    const written = await outboxContents(outbox);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(NOTICES);
    expect(count("select count(*) as n from notices where status = 'sent'")).toBe(written.length);

    execFileSync('mount', ['-o', 'remount,size=2m', outbox]);
    expect((await run({ OUTBOX_DIR: outbox })).code).toBe(0);
    const all = await outboxContents(outbox);
    expect(all).toHaveLength(NOTICES);
    expect(all.filter((id) => written.includes(id))).toEqual(written);
  });

  it.runIf(ON_TMPFS)('a disk that fills up under the database in the middle of a run: one line with the real cause and what was kept, exit 4; nothing left running', async () => {
    const disk = path.join(dir, 'small-disk');
    mountTmpfs(disk, 'size=24m');
    const onDisk = { ...env, DATABASE_URL: path.join(disk, 'reeval.sqlite') };
    const generated = writeDuePartners(dir, 3_000, { prefix: '9', failEvery: 50 });
    expect((await runCli(['import', generated.dir], onDisk, NOW)).code).toBe(0);
    // Leave room for a few batches of decisions and notices, not for all of them.
    const free = statfsSync(disk);
    writeFileSync(path.join(disk, 'filler'), Buffer.alloc(Math.max(0, free.bavail * free.bsize - 768 * 1024)));

    const full = await runCli(['run', '--as-of', AS_OF], onDisk, NOW);
    expect(full.code).toBe(4);
    const lines = full.stderr.trim().split('\n').filter((line) => !line.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/rollback/);
    const kept = /^error: the disk holding the database is full \(database or disk is full\); kept: ([\d,]+) decisions recorded for [\d,]+ partners, 0 notices sent and recorded; fix it and run again: the next run carries on where this one stopped$/.exec(lines[0]!);
    expect(kept, lines[0]).not.toBeNull();

    rmSync(path.join(disk, 'filler'));
    const decided = Number(kept![1]!.replace(/,/g, ''));
    const db = new BetterSqlite3(onDisk.DATABASE_URL);
    try {
      expect((db.prepare('select count(*) as n from decisions').get() as { n: number }).n).toBe(decided);
    } finally {
      db.close();
    }
    // The run could not mark itself: `runs` shows it so at once, and the next run records it.
    expect(JSON.parse((await runCli(['runs', '--json'], onDisk, NOW)).stdout)).toMatchObject([{ status: expect.stringMatching(/^(failed|interrupted)$/) }]);
    expect((await runCli(['run', '--as-of', AS_OF], onDisk, NOW)).code).toBe(0);
    expect(JSON.parse((await runCli(['runs', '--json'], onDisk, NOW)).stdout).map((run: { status: string }) => run.status)).toEqual(['completed', expect.stringMatching(/^(failed|interrupted)$/)]);
  }, 120_000);

  it('a database locked by another process: exit 3 with a clear message, nothing changed; then it runs', async () => {
    const holder = new BetterSqlite3(env.DATABASE_URL!);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("update partners set partner_name = partner_name where partner_id = '4010001'").run();
    const locked = await run({ DATABASE_LOCK_TIMEOUT_SECONDS: '1' });
    holder.exec('ROLLBACK');
    holder.close();
    expect(locked.code).toBe(3);
    expect(locked.stderr).toMatch(/database is locked by another process/);
    expect(count('select count(*) as n from decisions')).toBe(0);
    expect(count("select count(*) as n from runs where status = 'running'")).toBe(0);
    expect((await run()).code).toBe(0);
    expect(count('select count(*) as n from decisions')).toBe(11);
  });

  it('two runs started at once: one runs, the other exits 3; every notice goes out once', async () => {
    const smtp = await startFaultySmtpServer();
    // Slow replies keep the first run going for seconds, longer than the two processes' start-up
    // can differ on a loaded machine, so that the two runs really overlap.
    smtp.replyDelayMs = 600;
    try {
      const spawnRun = async () => {
        const spawned = spawnCli(['run', '--as-of', AS_OF], { ...env, SMTP_URL: smtp.url });
        return { code: await spawned.exit, stderr: spawned.stderr() };
      };
      const results = await Promise.all([spawnRun(), spawnRun()]);
      expect(results.map((r) => r.code).sort()).toEqual([0, 3]);
      expect(results.find((r) => r.code === 3)!.stderr).toMatch(/another run holds the lock/);
      expect(count('select count(*) as n from decisions')).toBe(11);
      expect(smtp.received).toHaveLength(NOTICES);
      expect(count("select count(*) as n from runs where status = 'completed'")).toBe(1);
    } finally {
      await smtp.close();
    }
  });
});
