import { spawn } from 'node:child_process';
import { CLI } from './spawn-cli.js';

export interface ExitedCli {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * The built command as a process of its own, as another user (`uid`/`gid`) and in another folder
 * where asked: the way a container started with `--user`, or a cron job, runs it.
 */
export function runCliProcess(args: string[], env: Record<string, string>, options: { uid?: number; gid?: number; cwd?: string } = {}): Promise<ExitedCli> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/**
 * Why a test that runs the command as another user cannot run here, or null when it can. Root can
 * (and only as another user do permission bits apply: root bypasses them). Under CI=true there is no
 * excuse: the test runs and fails rather than skip.
 */
export const OTHER_USER_SKIP: string | null =
  process.getuid?.() === 0 || process.env.CI === 'true' ? null : 'needs root, to run the command as another user (permission bits do not bind root)';

/** Exactly one line on stderr, and no stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  if (lines.length !== 1 || /\n\s+at /.test(stderr)) throw new Error(`expected one line on stderr, got:\n${stderr}`);
  return lines[0]!;
}
