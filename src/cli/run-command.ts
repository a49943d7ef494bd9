import path from 'node:path';
import type { Command } from 'commander';
import { ensureOutboxWritable } from '../config/folders.js';
import { InterruptedError } from '../errors.js';
import { mailerFor } from '../mail/mailer.js';
import { loadTemplates } from '../mail/render.js';
import { formatRunTable } from '../run/format.js';
import { runReevaluation } from '../run/run.js';
import { startScheduler } from '../run/scheduler.js';
import { type CommandContext, PROJECT_ROOT, resolveAsOf, withRunContext } from './context.js';
import { EXIT } from './exit.js';

/** `run`: decide, record and send; exit 1 when a notice could not be sent. */
export function runCommand(program: Command, { io, setExit }: CommandContext): void {
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
          setExit(result.failedSends > 0 ? EXIT.sendFailed : EXIT.ok);
        } finally {
          await mailer.close();
        }
      });
    });
}

/** `schedule`: run on CRON_SCHEDULE until stopped. */
export function scheduleCommand(program: Command, { io }: CommandContext): void {
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
}
