import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildOutlook, formatOutlook } from '../report/outlook.js';
import { projectUpcoming } from '../run/projections.js';
import { type CommandContext, resolveAsOf, withRunContext } from './context.js';

const MAX_MONTHS = 24;

/** `csp-reeval outlook`: every cycle in the next N months with its projected checks; records and sends nothing. */
export function outlookCommand(program: Command, { io }: CommandContext): void {
  program
    .command('outlook')
    .description('upcoming cycles in the next N months and their projected checks, at risk first; decides, records and sends nothing')
    .option('--as-of <date>', 'the day to look ahead from (YYYY-MM-DD); default: today in the policy time zone')
    .option('--months <n>', 'how many months ahead', '3')
    .option('--json', 'print JSON on stdout')
    .action(async (options: { asOf?: string; months: string; json?: boolean }) => {
      const months = parseMonths(options.months);
      await withRunContext(io, program, 'read', async ({ store, policy }) => {
        const asOf = resolveAsOf(options.asOf, policy, io);
        const ahead = Array.from({ length: months }, (_, i) => i + 1);
        const outlook = buildOutlook(await projectUpcoming(store, policy, asOf, ahead), { asOf, months, policyVersion: policy.version });
        io.stdout.write(options.json ? `${JSON.stringify(outlook, null, 2)}\n` : formatOutlook(outlook));
      });
    });
}

function parseMonths(text: string): number {
  const months = /^\d{1,2}$/.test(text.trim()) ? Number(text.trim()) : 0;
  if (months < 1 || months > MAX_MONTHS) throw new UsageError(`--months must be a whole number from 1 to ${MAX_MONTHS}, got '${text}'`);
  return months;
}
