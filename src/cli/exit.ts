/**
 * Exits with `code` once the readers of stdout and stderr have had every byte. A pipe takes at
 * most 64 KiB at a time and process.exit discards the rest; exiting explicitly still matters, so
 * that a stray pooled socket cannot hold a finished one-off command open.
 */
export async function exitAfterOutput(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` before it has been handed to the system. */
function flushed(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}
