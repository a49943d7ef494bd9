import { Writable } from 'node:stream';
import path from 'node:path';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const SAMPLE_DIR = path.join(REPO_ROOT, 'data', 'sample');

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
