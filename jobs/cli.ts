#!/usr/bin/env node
import { main } from '../src/cli/main.js';

const controller = new AbortController();
let signals = 0;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    signals += 1;
    // The first signal lets the current partner's transaction finish; a second one stops at once.
    if (signals > 1) process.exit(130);
    controller.abort();
  });
}

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  stopSignal: controller.signal,
});
// Pipes and files are written synchronously on Linux, so nothing printed is lost by exiting here;
// exiting explicitly keeps a stray pooled socket from holding a finished one-off run open.
process.exit(code);
