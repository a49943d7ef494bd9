import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type Config, readConfig } from '../config/config.js';
import { openStore, type Store } from '../db/database.js';
import type { IsoDate } from '../domain/types.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../log/logger.js';
import { loadPolicy, type Policy } from '../policy/policy.js';
import { parseIsoDate, todayIn } from '../rules/months.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  /** Resolved by the scheduler on SIGTERM/SIGINT. */
  stopSignal?: AbortSignal;
}

/** What every command gets: the process's surroundings, and a way to set the exit status of a command that finished. */
export interface CommandContext {
  io: CliIo;
  setExit(code: number): void;
}

/** The repository (or image) root: where templates/ lives, from source and from dist/ alike. */
export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

export interface RunContext {
  store: Store;
  policy: Policy;
  config: Config;
  log: Logger;
}

/** `read` for the commands that only read: they then work on a read-only database. */
type Access = 'read' | 'write';

export async function withStore(io: CliIo, access: Access, action: (store: Store, config: Config) => Promise<void>): Promise<void> {
  const config = readConfig(io.env, io.cwd);
  const store = await openStore(config.database, { access });
  try {
    await action(store, config);
  } finally {
    await store.close();
  }
}

export async function withRunContext(io: CliIo, program: Command, access: Access, action: (context: RunContext) => Promise<void>): Promise<void> {
  const config = readConfig(io.env, io.cwd);
  const policyOption = program.opts<{ policy?: string }>().policy;
  const policy = loadPolicy(policyOption ? path.resolve(io.cwd, policyOption) : config.policyFile);
  const log = createLogger({ stream: io.stderr });
  const store = await openStore(config.database, { access });
  try {
    await action({ store, policy, config, log });
  } finally {
    await store.close();
  }
}

export function resolveAsOf(option: string | undefined, policy: Policy, io: CliIo): IsoDate {
  if (option === undefined) return todayIn(policy.timeZone, io.now());
  const date = parseIsoDate(option);
  if (!date) throw new UsageError(`--as-of must be a real date as YYYY-MM-DD, got '${option}'`);
  return date;
}
