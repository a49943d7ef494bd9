import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'jobs', 'cli.js');

export interface SpawnedCli {
  child: ChildProcess;
  /** Calls `handler` with every line the process writes on stderr (its logs). */
  onLine(handler: (line: string) => void): void;
  /** Everything written on stderr so far. */
  stderr(): string;
  /** The exit code, or null when a signal ended the process. */
  exit: Promise<number | null>;
}

/** The built command in a process of its own, as a cron job or an operator starts it. */
export function spawnCli(args: string[], env: Record<string, string>): SpawnedCli {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const handlers: Array<(line: string) => void> = [];
  let all = '';
  let buffer = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    all += chunk;
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      for (const handler of handlers) handler(line);
    }
  });
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, onLine: (handler) => handlers.push(handler), stderr: () => all, exit };
}
