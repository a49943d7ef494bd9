#!/usr/bin/env node
import { main } from '../src/cli/main.js';
import { exitAfterOutput } from '../src/cli/exit.js';
import { SIGNAL_EXIT } from '../src/cli/exit.js';

const controller = new AbortController();
let finished = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    // The first signal asks the command to stop cleanly; a second one, or one while the output is
    // still being taken by its reader, stops at once.
    if (controller.signal.aborted || finished) process.exit(SIGNAL_EXIT[signal]);
    controller.abort(signal);
  });
}
// A reader that goes away early (`| head`) is its choice, not a failure of the job.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  stopSignal: controller.signal,
});
finished = true;
await exitAfterOutput(code);
