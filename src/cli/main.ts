import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { type Config, readConfig, redactUrl } from '../config/config.js';
import { ensureOutboxWritable } from '../config/folders.js';
import { openStore, type Store } from '../db/database.js';
import type { IsoDate } from '../domain/types.js';
import { describeEnvironmentFailure, EnvironmentError, EXIT, InterruptedError, LockHeldError, SIGNAL_EXIT, UsageError } from '../errors.js';
import { formatSummary, IMPORT_KINDS, type ImportFormat, type ImportKind, importDirectory, importFiles } from '../import/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { mailerFor } from '../mail/mailer.js';
import { loadTemplates } from '../mail/render.js';
import { loadPolicy, type Policy } from '../policy/policy.js';
import { registerOverride } from './override.js';
import { buildExplanation, formatExplanation } from '../report/explain.js';
import { buildReport, formatReport, type ReportFormat } from '../report/report.js';
import { parseIsoDate, todayIn } from '../rules/months.js';
import { describeDue } from '../run/due-list.js';
import { formatRunTable, formatRunsList } from '../run/format.js';
import { importInTurn } from '../run/import-turn.js';
import { runReevaluation } from '../run/run.js';
import { listRuns } from '../run/runs.js';
import { startScheduler } from '../run/scheduler.js';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  /** Resolved by the scheduler on SIGTERM/SIGINT. */
  stopSignal?: AbortSignal;
}

/** The repository (or image) root: where templates/ lives, from source and from dist/ alike. */
export const PROJECT_ROOT = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'templates'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Parses the command line, runs one command, and maps the named errors to exit codes. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('csp-reeval')
    .description('Annual re-evaluation of Microsoft CSP direct-bill partners')
    .option('--policy <file>', 'policy file (default: POLICY_FILE or data/policy.json)')
    .showHelpAfterError('(run csp-reeval --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      await withStore(io, 'write', async (store) => {
        io.stderr.write(`database ${store.label} is up to date\n`);
      });
    });

  program
    .command('import')
    .description(`import files of one kind (KIND: ${IMPORT_KINDS.join(', ')}) or every known file in a folder, as one import`)
    .argument('<kind-or-dir>', 'file kind, or a folder of CSV files')
    .argument('[files...]', 'the file, or several files imported together (an invoice split over them adds up)')
    .addOption(new Option('--format <format>', 'file layout: partner-center (revenue), graph-security-score (security, JSON Lines)').choices(['canonical', 'partner-center', 'graph-security-score']))
    .addOption(new Option('--encoding <encoding>', 'force the file encoding').choices(['auto', 'utf8', 'shift_jis']))
    .action(async (kindOrDir: string, files: string[], options: { format?: ImportFormat; encoding?: 'auto' | 'utf8' | 'shift_jis' }) => {
      await withStore(io, 'write', async (store, config) => {
        const inTurn = <T>(what: string, action: (signal: AbortSignal) => Promise<T>) =>
          importInTurn(store, { what, waitMs: config.lockTimeoutMs, now: io.now, ...(io.stopSignal ? { signal: io.stopSignal } : {}) }, action);
        const importOptions = {
          now: io.now,
          progress: io.stderr.isTTY ? io.stderr : null,
          ...(options.format ? { format: options.format } : {}),
          ...(options.encoding ? { encoding: options.encoding } : {}),
        };
        if (files.length === 0) {
          const dir = path.resolve(io.cwd, kindOrDir);
          if (!existsSync(dir) || !statSync(dir).isDirectory()) {
            throw new UsageError(`'${kindOrDir}' is neither a folder nor a file kind (${IMPORT_KINDS.join(', ')}); to import one file: csp-reeval import KIND FILE`);
          }
          const { summaries, ignored } = await inTurn(`folder ${kindOrDir}`, (signal) => importDirectory(store, dir, { ...importOptions, signal }));
          for (const summary of summaries) io.stderr.write(`${formatSummary(summary)}\n`);
          for (const name of ignored) io.stderr.write(`${name}: not a known file name; ignored\n`);
          return;
        }
        if (!(IMPORT_KINDS as readonly string[]).includes(kindOrDir)) {
          throw new UsageError(`unknown file kind '${kindOrDir}': expected one of ${IMPORT_KINDS.join(', ')}`);
        }
        if (options.format === 'partner-center' && kindOrDir !== 'revenue') {
          throw new UsageError('--format partner-center applies to revenue files only');
        }
        if (options.format === 'graph-security-score' && kindOrDir !== 'security') {
          throw new UsageError('--format graph-security-score applies to security files only: csp-reeval import security FILE --format graph-security-score');
        }
        const entries = files.map((file) => ({ kind: kindOrDir as ImportKind, file: path.resolve(io.cwd, file) }));
        const summaries = await inTurn(`${kindOrDir} ${files.join(' ')}`, (signal) => importFiles(store, entries, { ...importOptions, signal }));
        for (const summary of summaries) io.stderr.write(`${formatSummary(summary)}\n`);
      });
    });

  program
    .command('run')
    .description('find who is due, decide, record, and send the notices')
    .option('--as-of <date>', 'the day to run for (YYYY-MM-DD); default: today in the policy time zone')
    .option('--partner <id>', 'only this partner')
    .option('--dry-run', 'decide and render, but record and send nothing')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (options: { asOf?: string; partner?: string; dryRun?: boolean; json?: boolean }) => {
      await withRunContext(io, program, 'write', async ({ store, policy, config, log }) => {
        if (!options.dryRun && !config.smtpUrl) ensureOutboxWritable(config.outboxDir);
        const asOf = resolveAsOf(options.asOf, policy, io);
        const templates = loadTemplates(path.join(PROJECT_ROOT, 'templates'));
        const mailer = mailerFor(config);
        try {
          const result = await runReevaluation(
            { store, policy, config, templates, mailer },
            {
              asOf,
              dryRun: options.dryRun ?? false,
              origin: 'manual',
              now: io.now,
              log,
              ...(options.partner !== undefined ? { partnerId: options.partner } : {}),
              ...(io.stopSignal ? { signal: io.stopSignal } : {}),
            },
          );
          if (options.json) io.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
          else io.stdout.write(formatRunTable(result.json));
          if (result.stopped) throw new InterruptedError(result.stopped.signal, result.stopped.summary);
          setExit(result.exitCode);
        } finally {
          await mailer.close();
        }
      });
    });

  program
    .command('due')
    .description('list who is due and why, deciding nothing')
    .option('--as-of <date>', 'the day to look from (YYYY-MM-DD)')
    .option('--json', 'print JSON on stdout')
    .action(async (options: { asOf?: string; json?: boolean }) => {
      await withRunContext(io, program, 'read', async ({ store, policy }) => {
        const asOf = resolveAsOf(options.asOf, policy, io);
        const listing = await describeDue(store, policy, asOf);
        io.stdout.write(options.json ? `${JSON.stringify(listing.json, null, 2)}\n` : listing.text);
      });
    });

  program
    .command('explain')
    .description('why was this partner decided so: every cycle, check, piece of evidence and notice')
    .argument('<partner-id>')
    .option('--as-of <date>', 'also show what a run on this day would decide')
    .option('--json', 'print JSON on stdout')
    .action(async (partnerId: string, options: { asOf?: string; json?: boolean }) => {
      await withRunContext(io, program, 'read', async ({ store, policy }) => {
        const asOf = resolveAsOf(options.asOf, policy, io);
        const explanation = await buildExplanation(store, policy, partnerId, asOf);
        io.stdout.write(options.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation));
      });
    });

  program
    .command('report')
    .description('the decisions, for operations')
    .option('--cycle <month>', 'only this cycle month (YYYY-MM)')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json', 'html']).default('csv'))
    .action(async (options: { cycle?: string; format: ReportFormat }) => {
      if (options.cycle !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.cycle)) {
        throw new UsageError(`--cycle must be a month as YYYY-MM, got '${options.cycle}'`);
      }
      await withRunContext(io, program, 'read', async ({ store, policy }) => {
        const report = await buildReport(store, policy, options.cycle);
        io.stdout.write(formatReport(report, options.format));
      });
    });

  registerOverride(program, { io, templatesDir: path.join(PROJECT_ROOT, 'templates'), withStore: (action) => withRunContext(io, program, 'write', action) });

  program
    .command('runs')
    .description('list recent runs with their status and counts')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON on stdout')
    .action(async (options: { limit: string; json?: boolean }) => {
      const limit = /^\d{1,7}$/.test(options.limit.trim()) ? Number(options.limit) : 0;
      if (limit < 1) throw new UsageError(`--limit must be a whole number from 1 to 9999999, got '${options.limit}'`);
      await withStore(io, 'read', async (store) => {
        const runs = await listRuns(store, limit);
        io.stdout.write(options.json ? `${JSON.stringify(runs, null, 2)}\n` : formatRunsList(runs));
      });
    });

  program
    .command('schedule')
    .description('run on CRON_SCHEDULE in the policy time zone until SIGTERM')
    .action(async () => {
      await withRunContext(io, program, 'write', async (context) => {
        if (!context.config.smtpUrl) ensureOutboxWritable(context.config.outboxDir);
        const templates = loadTemplates(path.join(PROJECT_ROOT, 'templates'));
        await startScheduler({ ...context, templates, io });
      });
    });

  return program;
}

interface RunContext {
  store: Store;
  policy: Policy;
  config: Config;
  log: Logger;
}

/** `read` for the commands that only read: they then work on a read-only database. */
type Access = 'read' | 'write';

async function withStore(io: CliIo, access: Access, action: (store: Store, config: Config) => Promise<void>): Promise<void> {
  const config = readConfig(io.env, io.cwd);
  const store = await openStore(config.database, { access });
  try {
    await action(store, config);
  } finally {
    await store.close();
  }
}

async function withRunContext(io: CliIo, program: Command, access: Access, action: (context: RunContext) => Promise<void>): Promise<void> {
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

function resolveAsOf(option: string | undefined, policy: Policy, io: CliIo): IsoDate {
  if (option === undefined) return todayIn(policy.timeZone, io.now());
  const date = parseIsoDate(option);
  if (!date) throw new UsageError(`--as-of must be a real date as YYYY-MM-DD, got '${option}'`);
  return date;
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return EXIT.ok;
    return EXIT.usage;
  }
  const secretSafe = (text: string) => (io.env.SMTP_URL ? text.split(io.env.SMTP_URL).join(redactUrl(io.env.SMTP_URL)) : text);
  if (error instanceof UsageError) {
    io.stderr.write(`error: ${secretSafe(error.message)}\n`);
    return EXIT.usage;
  }
  if (error instanceof EnvironmentError) {
    io.stderr.write(`error: ${secretSafe(error.message)}\n`);
    return EXIT.environment;
  }
  if (error instanceof InterruptedError) {
    io.stderr.write(`stopped: ${secretSafe(error.message)}\n`);
    return SIGNAL_EXIT[error.signal];
  }
  if (error instanceof LockHeldError) {
    io.stderr.write(`error: ${error.message}; try again when it has finished\n`);
    return EXIT.locked;
  }
  const code = (error as { code?: string } | null)?.code;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    io.stderr.write(
      `error: the database is locked by another process (${(error as Error).message}); nothing was changed — try again when it has finished, or raise DATABASE_LOCK_TIMEOUT_SECONDS\n`,
    );
    return EXIT.locked;
  }
  const environment = describeEnvironmentFailure(error);
  if (environment) {
    io.stderr.write(`error: ${secretSafe(environment)}; what was committed before it is kept, nothing after; fix it and run the command again\n`);
    return EXIT.environment;
  }
  // A bug: one line for the person, the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  const stack = io.env.CSP_REEVAL_DEBUG && error instanceof Error ? `\n${error.stack ?? ''}` : '';
  io.stderr.write(`internal error: ${secretSafe(message)}${secretSafe(stack)} (set CSP_REEVAL_DEBUG=1 for the stack trace)\n`);
  return EXIT.internal;
}
