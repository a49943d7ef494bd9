import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { formatSummary, IMPORT_KINDS, type ImportFormat, type ImportKind, importDirectory, importFiles } from '../import/index.js';
import { importInTurn } from '../run/import-turn.js';
import { type CommandContext, withStore } from './context.js';

/** `import`: files of one kind, or a folder, as one import, in turn with runs. */
export function importCommand(program: Command, { io }: CommandContext): void {
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
}
