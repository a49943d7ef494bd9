import { accessSync, constants, mkdirSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';

/** The user and group the job runs as, as a person would type them to `chown`. */
export function runningAs(): { uid: number; gid: number } | null {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function' ? { uid: process.getuid(), gid: process.getgid() } : null;
}

/**
 * The one line for a path the job cannot write: which path, who owns it, who the job runs as, and
 * the fix — make it that user's (in a container: `chown 1000:1000`), or mount a named volume.
 */
export function unwritableError(what: string, target: string, error: unknown, kept = 'nothing was changed', verb: 'read' | 'write' = 'write'): EnvironmentError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? '';
  const me = runningAs();
  const who = me ? `: the job runs as uid ${me.uid}, gid ${me.gid}` : '';
  if (code === 'EROFS') {
    return new EnvironmentError(`cannot ${verb} the ${what} ${target}: its file system is read-only`, kept, 'mount it read-write, or point the setting at a writable folder', { cause: error });
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EnvironmentError(`cannot ${verb} the ${what} ${target}: the disk is full`, kept, 'free some space on it and run the command again', { cause: error });
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new EnvironmentError(`cannot make the ${what} ${target}: part of that path is a file, not a folder`, kept, 'point the setting at a folder', { cause: error });
  }
  const owner = statOf(target);
  const todo =
    me && owner && owner.uid === me.uid
      ? `give its owner ${verb} permission (chmod u+${verb[0]} ${target})`
      : `make it ${verb === 'read' ? 'readable' : 'writable'} for that user (${me ? `chown ${me.uid}:${me.gid} ${target}` : `chown <user>:<group> ${target}`}), or mount a named volume there instead of a host folder`;
  return new EnvironmentError(`cannot ${verb} the ${what} ${target}${ownerOf(owner)}${who}`, kept, todo, { cause: error });
}

function statOf(target: string): Stats | null {
  try {
    return statSync(target);
  } catch {
    return null;
  }
}

/** ` (owned by uid 0, gid 0, mode 755)`, or nothing when the path cannot be looked at. */
function ownerOf(stat: Stats | null): string {
  return stat ? ` (owned by uid ${stat.uid}, gid ${stat.gid}, mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')})` : '';
}

/**
 * Makes `dir` (and its parents) if needed and checks this process can create files in it. A folder
 * that cannot be made is named by its nearest existing ancestor, the one whose owner must change.
 * `only` limits the check to those error codes; any other failure is left to whoever writes there.
 */
export function ensureWritableFolder(dir: string, what: string, options: { only?: ReadonlySet<string>; kept?: string } = {}): void {
  const fail = (target: string, error: unknown) => {
    if (!options.only || options.only.has((error as NodeJS.ErrnoException).code ?? '')) throw unwritableError(what, target, error, options.kept);
  };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    fail(nearestExisting(dir), error);
    return;
  }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    fail(dir, error);
  }
}

/**
 * The `.eml` outbox is checked for permission only, before anything is decided: a folder owned by
 * another user never heals by itself. A read-only or full disk is left to each send, which keeps
 * the notice waiting for the next run (exit 1).
 */
export function ensureOutboxWritable(dir: string): void {
  ensureWritableFolder(dir, 'outbox folder', { only: new Set(['EACCES', 'EPERM']), kept: 'nothing was decided or sent' });
}

/** Checks an existing file can be read and written; a missing one is fine (it will be created). */
export function ensureWritableFile(file: string, what: string): void {
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw unwritableError(what, file, error);
  }
}

function nearestExisting(target: string): string {
  for (let dir = target; ; dir = path.dirname(dir)) {
    if (statOf(dir)) return dir;
    if (path.dirname(dir) === dir) return target;
  }
}
