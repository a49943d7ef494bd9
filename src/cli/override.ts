import path from 'node:path';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import { type CommandContext, PROJECT_ROOT, withRunContext } from './context.js';
import { EXIT } from './exit.js';
import { loadTemplates } from '../mail/render.js';
import { mailerFor } from '../mail/mailer.js';
import { todayIn } from '../rules/months.js';
import { OVERRIDE_OUTCOMES, parseOverrideRequest } from '../rules/override.js';
import { overrideCycle } from '../run/override.js';
import { type SendNowResult, sendNoticeNow } from '../run/send-now.js';

interface OverrideOptions {
  cycle?: string;
  trigger?: string;
  outcome?: string;
  reason?: string;
  by?: string;
  notice: boolean;
  dryRun?: boolean;
}

/** `csp-reeval override`: a recorded human decision that supersedes a cycle's latest one (SPEC §4b). */
export function overrideCommand(program: Command, { io, setExit }: CommandContext): void {
  program
    .command('override')
    .description('record a human decision for a cycle (an appeal granted, a review resolved by hand), superseding its latest decision')
    .argument('<partner-id>')
    .option('--cycle <month>', 'the cycle month (YYYY-MM)')
    .addOption(new Option('--trigger <trigger>', 'which cycle of that month: renewal or anniversary'))
    .addOption(new Option('--outcome <outcome>', `the corrected outcome: ${OVERRIDE_OUTCOMES.join(' or ')}`))
    .option('--reason <text>', 'why the decision is corrected (kept on the record, shown to operations)')
    .option('--by <name-or-email>', 'who corrects it')
    .option('--no-notice', 'do not tell the partner (the correction is still recorded)')
    .option('--dry-run', 'check and show what would be recorded, recording and sending nothing')
    .action(async (partnerId: string, options: OverrideOptions) => {
      const parsed = parseOverrideRequest(partnerId, { ...options, notify: options.notice });
      if ('problems' in parsed) throw new UsageError(`override refused, nothing recorded: ${parsed.problems.join('; ')}`);
      await withRunContext(io, program, 'write', async ({ store, policy, config }) => {
        const templates = loadTemplates(path.join(PROJECT_ROOT, 'templates'));
        const result = await overrideCycle({ store, policy, config, templates, now: io.now }, parsed.request, options.dryRun ?? false);
        if (result.noticeId === null) {
          io.stdout.write(`${result.line}\n`);
          return;
        }
        // Recorded first, then sent: a crash in between leaves the notice waiting for the next run.
        const mailer = mailerFor(config);
        try {
          const asOf = todayIn(policy.timeZone, io.now());
          // The line on stdout says what became of the notice; only a failure is logged besides.
          const log = createLogger({ stream: io.stderr, quiet: true });
          const sent = await sendNoticeNow({ store, config, mailer }, result.noticeId, { asOf, now: io.now, log, ...(io.stopSignal ? { signal: io.stopSignal } : {}) });
          io.stdout.write(`${result.line}; ${toldLine(sent)}\n`);
          setExit(sent.status === 'failed' ? EXIT.sendFailed : EXIT.ok);
        } finally {
          await mailer.close();
        }
      });
    });
}

function toldLine(sent: SendNowResult): string {
  if (sent.status === 'sent') return 'the partner was sent its correction notice';
  if (sent.status === 'failed') return `the correction notice could not be sent (${sent.error}); it stays in the outbox and the next run tries again`;
  return `the correction notice waits in the outbox (${sent.why}) and goes out with the next run`;
}
