import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureOutboxWritable, ensureWritableFile, ensureWritableFolder, runningAs, unwritableError } from '../../src/config/folders.js';
import { EnvironmentError } from '../../src/errors.js';
import { tempDir } from '../helpers/temp-store.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('unwritableError', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('says a read-only file system or a full disk is one, with its own fix, and what was kept', () => {
    const readOnly = unwritableError('outbox folder', '/mnt/outbox', errno('EROFS'), 'nothing was sent');
    expect(readOnly).toBeInstanceOf(EnvironmentError);
    expect(readOnly.message).toBe('cannot write the outbox folder /mnt/outbox: its file system is read-only; nothing was sent; mount it read-write, or point the setting at a writable folder');
    for (const code of ['ENOSPC', 'EDQUOT']) {
      expect(unwritableError('database folder', '/data', errno(code)).message).toBe('cannot write the database folder /data: the disk is full; nothing was changed; free some space on it and run the command again');
    }
    expect(unwritableError('outbox folder', '/data/x/outbox', errno('ENOTDIR')).message).toMatch(/^cannot make the outbox folder \/data\/x\/outbox: part of that path is a file, not a folder; nothing was changed; point the setting at a folder$/);
    expect(unwritableError('policy file', '/p.json', errno('EROFS'), undefined, 'read').failed).toMatch(/^cannot read the policy file/);
  });

  it('names the owner and mode of a folder it cannot write, who the job runs as, and the chown that fixes it', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const stat = statSync(temp.dir);
    const me = runningAs()!;
    const error = unwritableError('database folder', temp.dir, errno('EACCES'));
    expect(error.failed).toBe(
      `cannot write the database folder ${temp.dir} (owned by uid ${stat.uid}, gid ${stat.gid}, mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')}): the job runs as uid ${me.uid}, gid ${me.gid}`,
    );
    // The folder is this user's own, so the fix is its permission, not its owner.
    expect(error.todo).toBe(`give its owner write permission (chmod u+w ${temp.dir})`);
  });

  it('for a path that cannot be looked at, shows no owner and advises a chown or a named volume', () => {
    const me = runningAs()!;
    const error = unwritableError('outbox folder', '/nonexistent/outbox', errno('EACCES'));
    expect(error.failed).toBe(`cannot write the outbox folder /nonexistent/outbox: the job runs as uid ${me.uid}, gid ${me.gid}`);
    expect(error.todo).toBe(`make it writable for that user (chown ${me.uid}:${me.gid} /nonexistent/outbox), or mount a named volume there instead of a host folder`);
  });
});

describe('ensureWritableFolder and ensureWritableFile', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('makes a missing folder and its parents', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const dir = path.join(temp.dir, 'a', 'b', 'outbox');
    ensureWritableFolder(dir, 'outbox folder');
    expect(statSync(dir).isDirectory()).toBe(true);
    ensureOutboxWritable(path.join(temp.dir, 'other'));
    expect(statSync(path.join(temp.dir, 'other')).isDirectory()).toBe(true);
  });

  it('refuses a folder whose path runs through a file, naming the nearest part that exists', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const file = path.join(temp.dir, 'file');
    writeFileSync(file, '');
    expect(() => ensureWritableFolder(path.join(file, 'sub', 'outbox'), 'outbox folder')).toThrow(`cannot make the outbox folder ${file}: part of that path is a file, not a folder`);
  });

  it('leaves to the sends a failure the outbox check is not about', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    const file = path.join(temp.dir, 'file');
    writeFileSync(file, '');
    expect(() => ensureOutboxWritable(path.join(file, 'outbox'))).not.toThrow();
  });

  it('accepts a file that does not exist yet, even in a folder not made yet, and one it can write', () => {
    const temp = tempDir();
    cleanup = temp.cleanup;
    expect(() => ensureWritableFile(path.join(temp.dir, 'reeval.sqlite'), 'database file')).not.toThrow();
    const file = path.join(temp.dir, 'existing.sqlite');
    writeFileSync(file, '');
    expect(() => ensureWritableFile(file, 'database file')).not.toThrow();
    mkdirSync(path.join(temp.dir, 'dir'));
    expect(() => ensureWritableFile(path.join(temp.dir, 'dir', 'x', 'y'), 'database file')).not.toThrow();
  });
});
