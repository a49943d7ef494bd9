import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import { buildExplanation, formatExplanation } from '../report/explain.js';
import { buildReport, formatReport, type ReportFormat } from '../report/report.js';
import { describeDue } from '../run/due-list.js';
import { formatRunsList } from '../run/format.js';
import { todayIn } from '../rules/months.js';
import { listRuns } from '../run/runs.js';
import { type CommandContext, resolveAsOf, withRunContext, withStore } from './context.js';

/** `due`, `explain`, `report`, `runs`: they only read, so they work on a read-only database. */
export function dueCommand(program: Command, { io }: CommandContext): void {
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
}

export function explainCommand(program: Command, { io }: CommandContext): void {
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
}

export function reportCommand(program: Command, { io }: CommandContext): void {
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
        const report = await buildReport(store, policy, todayIn(policy.timeZone, io.now()), options.cycle);
        io.stdout.write(formatReport(report, options.format));
      });
    });
}

export function runsCommand(program: Command, { io }: CommandContext): void {
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
}
