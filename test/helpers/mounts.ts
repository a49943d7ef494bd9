import { execFileSync } from 'node:child_process';
import { tempDir } from './temp-store.js';

/** A small tmpfs stands in for a full or read-only disk; mounting one needs root, as in CI. */
export function canMount(): boolean {
  const probe = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe.dir], { stdio: 'ignore' });
    execFileSync('umount', [probe.dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    probe.cleanup();
  }
}
