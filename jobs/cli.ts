#!/usr/bin/env node
import { main } from '../src/cli/main.js';
import { SIGNAL_EXIT } from '../src/errors.js';

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
// A pipe takes at most 64 KiB at a time and process.exit discards the rest: wait until the
// reader has had every byte, then exit explicitly, so that a stray pooled socket cannot hold a
// finished one-off run open.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

/** Resolves once everything written to `stream` before it has been handed to the system. */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
