import { Command } from 'commander';
import { type CommandContext, type CliIo, withStore } from './context.js';
import { EXIT } from './exit.js';
import { importCommand } from './import-command.js';
import { outlookCommand } from './outlook.js';
import { overrideCommand } from './override.js';
import { dueCommand, explainCommand, reportCommand, runsCommand } from './read-commands.js';
import { reportError } from './report-error.js';
import { runCommand, scheduleCommand } from './run-command.js';

export { type CliIo, PROJECT_ROOT } from './context.js';

/** Every command, in the order `--help` lists them: one line each. */
const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  migrateCommand,
  importCommand,
  runCommand,
  dueCommand,
  explainCommand,
  reportCommand,
  outlookCommand,
  overrideCommand,
  runsCommand,
  scheduleCommand,
];

/** Parses the command line, runs one command, and maps the named errors to exit codes. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram({
    io,
    setExit: (code) => {
      exitCode = code;
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function buildProgram(context: CommandContext): Command {
  const { io } = context;
  const program = new Command('csp-reeval')
    .description('Annual re-evaluation of Microsoft CSP direct-bill partners')
    .option('--policy <file>', 'policy file (default: POLICY_FILE or data/policy.json)')
    .showHelpAfterError('(run csp-reeval --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  for (const add of COMMANDS) add(program, context);
  return program;
}

function migrateCommand(program: Command, { io }: CommandContext): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema')
    .action(async () => {
      await withStore(io, 'write', async (store) => {
        io.stderr.write(`database ${store.label} is up to date\n`);
      });
    });
}
