import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import { REPO_ROOT, SAMPLE_DIR } from '../helpers/cli.js';
import { oneLine, OTHER_USER_SKIP, runCliProcess } from '../helpers/run-as.js';
import { canMount } from '../helpers/mounts.js';
import { tempDir } from '../helpers/temp-store.js';

const POLICY_FILE = path.join(REPO_ROOT, 'data', 'policy.json');
/** The image's `node` user, and a user a platform may start the container as (`--user 12345:0`). */
const NODE = { uid: 1000, gid: 1000 };
const STRANGER = { uid: 12345, gid: 0 };
const READ_COMMANDS: string[][] = [['runs'], ['report', '--format', 'csv'], ['explain', '4010001', '--as-of', '2026-10-15'], ['due', '--as-of', '2026-10-15']];
if (OTHER_USER_SKIP) console.warn(`a data folder or database the job cannot write: skipped, ${OTHER_USER_SKIP}`);

describe.skipIf(OTHER_USER_SKIP !== null)(`a data folder or database the job cannot write${OTHER_USER_SKIP ? ` (skipped: ${OTHER_USER_SKIP})` : ''}`, () => {
  let root: string;
  let cleanup: () => void;

  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir());
    chmodSync(root, 0o755);
  });
  afterEach(() => cleanup());

  /** A folder owned by `owner` holding the sample data imported and run by that user, as a named volume would. */
  const volumeOf = async (owner: { uid: number; gid: number }) => {
    const data = path.join(root, 'volume');
    mkdirSync(data);
    chownSync(data, owner.uid, owner.gid);
    const env = { DATABASE_URL: path.join(data, 'reeval.sqlite'), OUTBOX_DIR: path.join(data, 'outbox'), POLICY_FILE };
    expect((await runCliProcess(['import', SAMPLE_DIR], env, owner)).code).toBe(0);
    expect((await runCliProcess(['run', '--as-of', '2026-10-15'], env, owner)).code).toBe(0);
    return { data, env, file: env.DATABASE_URL };
  };

  it('a root-owned host folder on the data path: one line with the path, the uid and gid, and the fix; exit 4; nothing made', async () => {
    const data = path.join(root, 'host-folder');
    mkdirSync(data, { mode: 0o755 });
    const env = { DATABASE_URL: path.join(data, 'reeval.sqlite'), OUTBOX_DIR: path.join(data, 'outbox'), POLICY_FILE };
    for (const args of [['import', SAMPLE_DIR], ['run', '--as-of', '2026-10-15'], ['runs']]) {
      const result = await runCliProcess(args, env, NODE);
      expect(result.code, args.join(' ')).toBe(4);
      const line = oneLine(result.stderr);
      expect(line).toContain(`cannot write the database folder ${data} (owned by uid 0, gid 0, mode 755)`);
      expect(line).toContain('the job runs as uid 1000, gid 1000');
      expect(line).toContain(`make it writable for that user (chown 1000:1000 ${data}), or mount a named volume there`);
      expect(line).not.toMatch(/rejected|bad input|unable to open database file/);
    }
    expect(readdirSync(data)).toEqual([]);
  });

  it('a database folder that cannot be created names the folder that blocks it, exit 4, no stack trace', async () => {
    const blocked = path.join(root, 'root-owned');
    mkdirSync(blocked, { mode: 0o755 });
    const env = { DATABASE_URL: path.join(blocked, 'nested', 'deeper', 'reeval.sqlite'), POLICY_FILE };
    const result = await runCliProcess(['import', SAMPLE_DIR], env, NODE);
    expect(result.code).toBe(4);
    expect(oneLine(result.stderr)).toMatch(new RegExp(`^error: cannot write the database folder ${blocked} \\(owned by uid 0.*chown 1000:1000 ${blocked}`));
    expect(existsSync(path.join(blocked, 'nested'))).toBe(false);
  });

  it('--user 12345:0 on a volume of uid 1000: read-only commands work, a run is refused naming uid 12345, the database is untouched', async () => {
    const { data, env, file } = await volumeOf(NODE);
    const before = readFileSync(file);
    const beforeNames = readdirSync(data).sort();
    for (const args of READ_COMMANDS) {
      const result = await runCliProcess(args, env, STRANGER);
      expect(result.stderr, args.join(' ')).toBe('');
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout.length).toBeGreaterThan(50);
    }
    expect((await runCliProcess(['runs', '--json'], env, STRANGER)).stdout).toContain('"status": "completed"');
    const run = await runCliProcess(['run', '--as-of', '2026-10-16'], env, STRANGER);
    expect(run.code).toBe(4);
    const line = oneLine(run.stderr);
    expect(line).toContain(`cannot write the database folder ${data} (owned by uid 1000, gid 1000, mode 755): the job runs as uid 12345, gid 0`);
    expect(line).toContain(`chown 12345:0 ${data}`);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(data).sort()).toEqual(beforeNames);
    expect(beforeNames).toContain('reeval.sqlite');
  });

  it('an outbox folder the job cannot write: one line naming it, exit 4, before anything is decided', async () => {
    const { data, env } = await volumeOf(NODE);
    const outbox = path.join(root, 'root-outbox');
    mkdirSync(outbox, { mode: 0o755 });
    const decisions = () => {
      const db = new BetterSqlite3(env.DATABASE_URL, { readonly: true });
      try {
        return db.prepare('select count(*) from decisions').pluck().get();
      } finally {
        db.close();
      }
    };
    const before = decisions();
    const result = await runCliProcess(['run', '--as-of', '2026-11-15'], { ...env, OUTBOX_DIR: outbox }, NODE);
    expect(result.code).toBe(4);
    const line = oneLine(result.stderr);
    expect(line).toContain(`cannot write the outbox folder ${outbox} (owned by uid 0, gid 0, mode 755): the job runs as uid 1000, gid 1000; nothing was decided or sent`);
    expect(line).toContain(`chown 1000:1000 ${outbox}`);
    expect(decisions()).toBe(before);
    expect(existsSync(data)).toBe(true);
  });

  it('a database file of mode 0444 in a folder of mode 0555: read-only commands read it, a run says how to fix it', async () => {
    const { data, env, file } = await volumeOf(NODE);
    chmodSync(file, 0o444);
    chmodSync(data, 0o555);
    try {
      // no -shm file beside the database, and none can be made: it is read from a snapshot
      expect(readdirSync(data).filter((name) => name.startsWith('reeval.sqlite-'))).toEqual([]);
      for (const args of READ_COMMANDS) {
        const result = await runCliProcess(args, env, NODE);
        expect(result.stderr, args.join(' ')).toBe('');
        expect(result.code, args.join(' ')).toBe(0);
      }
      const report = await runCliProcess(['report', '--format', 'json'], env, NODE);
      expect((JSON.parse(report.stdout) as { rows: unknown[] }).rows).toHaveLength(11);
      const run = await runCliProcess(['run', '--as-of', '2026-10-16'], env, NODE);
      expect(run.code).toBe(4);
      expect(oneLine(run.stderr)).toContain(`cannot write the database folder ${data} (owned by uid 1000, gid 1000, mode 555): the job runs as uid 1000, gid 1000; nothing was changed; give its owner write permission (chmod u+w ${data})`);

      chmodSync(data, 0o755);
      const inWritableFolder = await runCliProcess(['run', '--as-of', '2026-10-16'], env, NODE);
      expect(inWritableFolder.code).toBe(4);
      expect(oneLine(inWritableFolder.stderr)).toContain(`cannot write the database file ${file} (owned by uid 1000, gid 1000, mode 444)`);
      expect((await runCliProcess(['runs'], env, NODE)).code).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o444);
    } finally {
      chmodSync(data, 0o755);
    }
  });

  it('a -shm file or a database this user may not read: read from a copy in memory, or one line saying who may', async () => {
    const { env, file } = await volumeOf(NODE);
    // a writer of another user holds the database open, so its -shm file is there, and private
    const holder = new BetterSqlite3(file);
    try {
      holder.prepare('select count(*) from runs').get();
      chmodSync(`${file}-shm`, 0o600);
      const runs = await runCliProcess(['runs', '--json'], env, STRANGER);
      expect(runs.stderr).toBe('');
      expect(runs.code).toBe(0);
      expect(runs.stdout).toContain('"status": "completed"');
    } finally {
      holder.close();
    }
    chmodSync(file, 0o600);
    const unreadable = await runCliProcess(['runs'], env, STRANGER);
    expect(unreadable.code).toBe(4);
    expect(oneLine(unreadable.stderr)).toContain(`cannot read the database file ${file} (owned by uid 1000, gid 1000, mode 600): the job runs as uid 12345, gid 0`);
  });

  it('a read-only database made by an earlier version: read-only commands say it must be upgraded; where it can be written, they upgrade it', async () => {
    const { env, file } = await volumeOf(NODE);
    // The newest migration undone by its own `down`, as a database the previous version left.
    const names = Object.keys(migrations);
    const newest = names.at(-1)!;
    const sqlite = new BetterSqlite3(file);
    // The previous version could not hold a Graph snapshot, whose counts may be unknown.
    sqlite.prepare("delete from security_snapshots where source <> 'csv'").run();
    const earlier = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    const down = await new Migrator({ db: earlier, provider: { getMigrations: async () => migrations } }).migrateDown();
    await earlier.destroy();
    expect(down.error).toBeUndefined();
    chownSync(file, NODE.uid, NODE.gid);
    chmodSync(file, 0o444);
    const stale = await runCliProcess(['runs'], env, NODE);
    expect(stale.code).toBe(4);
    const line = oneLine(stale.stderr);
    expect(line).toContain(`the database ${file} was made by an earlier version and must be upgraded (${newest}) before this one can read it`);
    expect(line).toContain('csp-reeval migrate');

    chmodSync(file, 0o644);
    expect((await runCliProcess(['runs'], env, NODE)).code).toBe(0);
    const upgraded = new BetterSqlite3(file, { readonly: true });
    expect(upgraded.prepare('select count(*) from kysely_migration').pluck().get()).toBe(names.length);
    upgraded.close();
  });
});

const MOUNT_SKIP = process.env.CI === 'true' || canMount() ? null : 'needs root, to mount a small tmpfs';
if (MOUNT_SKIP) console.warn(`a full disk when the database is made: skipped, ${MOUNT_SKIP}`);

describe.skipIf(MOUNT_SKIP !== null)(`a full disk when the database is made${MOUNT_SKIP ? ` (skipped: ${MOUNT_SKIP})` : ''}`, () => {
  it('one line, exit 4, nothing half-made: with room, the same database is set up and used', async () => {
    const { dir, cleanup } = tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=100k', 'tmpfs', dir]);
      try {
        const env = { DATABASE_URL: path.join(dir, 'data', 'reeval.sqlite'), POLICY_FILE };
        const full = await runCliProcess(['import', SAMPLE_DIR], env);
        expect(full.code).toBe(4);
        expect(oneLine(full.stderr)).toMatch(/^error: cannot create or upgrade the tables of the database .*reeval\.sqlite: the disk holding the database is full .*; nothing was changed \(the upgrade is one transaction\); free some space/);
        execFileSync('mount', ['-o', 'remount,size=8m', dir]);
        const imported = await runCliProcess(['import', SAMPLE_DIR], env);
        expect(imported.stderr).not.toMatch(/error/);
        expect(imported.code).toBe(0);
        expect((await runCliProcess(['runs'], env)).code).toBe(0);
      } finally {
        execFileSync('umount', [dir]);
      }
    } finally {
      cleanup();
    }
  });
});

describe('a DATABASE_URL that is not a database', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it('/dev/null or a folder: one line saying so, exit 2, not "locked by another process"', async () => {
    for (const target of ['/dev/null', dir]) {
      const result = await runCliProcess(['runs'], { DATABASE_URL: target }, { cwd: dir });
      expect(result.code, target).toBe(2);
      const line = oneLine(result.stderr);
      expect(line).toMatch(new RegExp(`DATABASE_URL names ${target}, which is (a character device|a folder), not a SQLite database file`));
      expect(line).not.toMatch(/locked/);
    }
  });

  it('a mysql:// or file: URL is refused, exit 2, with no file made in the working folder and no password shown', async () => {
    for (const url of ['mysql://app:s3cret@db.example.com/reeval', 'file:reeval.sqlite', 'file:///tmp/reeval.sqlite', 'sqlserver://db/x']) {
      const result = await runCliProcess(['runs'], { DATABASE_URL: url }, { cwd: dir });
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(/DATABASE_URL must be a SQLite file path or a postgres:\/\/ URL, got a '\w+:' URL/);
      expect(result.stderr).not.toContain('s3cret');
      expect(readdirSync(dir), url).toEqual([]);
    }
  });

  it('a sqlite: prefix and a plain relative path still name a SQLite file', async () => {
    expect((await runCliProcess(['runs'], { DATABASE_URL: 'sqlite:one.sqlite' }, { cwd: dir })).code).toBe(0);
    expect((await runCliProcess(['runs'], { DATABASE_URL: 'two.sqlite' }, { cwd: dir })).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['one.sqlite', 'two.sqlite']);
  });

  it('runs --limit out of range or not a number: one line naming the option, exit 2', async () => {
    const env = { DATABASE_URL: path.join(dir, 'reeval.sqlite') };
    for (const limit of ['99999999999999999999', '0', '-1', '1e3', 'abc', '2.5']) {
      const result = await runCliProcess(['runs', '--limit', limit], env);
      expect(result.code, limit).toBe(2);
      expect(oneLine(result.stderr)).toBe(`error: --limit must be a whole number from 1 to 9999999, got '${limit}'`);
    }
    expect((await runCliProcess(['runs', '--limit', '9999999'], env)).code).toBe(0);
  });
});
