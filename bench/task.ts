import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { openStore } from '../src/db/database.js';
import { importFile } from '../src/import/index.js';

/**
 * One measured task in a process of its own, so that its peak memory is its own. Prints one JSON
 * line: what it did, how many rows, how long, and the process's peak resident memory.
 */
const [task, ...args] = process.argv.slice(2);

function report(result: Record<string, unknown>): void {
  const maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({ task, ...result, maxRssMiB })}\n`);
}

if (task === 'parse') {
  // The baseline: csv-parse's own stream API with array rows, doing nothing with them.
  const [file] = args as [string];
  const started = performance.now();
  let rows = -1;
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ bom: true, relax_column_count: true }));
  for await (const _record of parser) rows++;
  report({ rows, millis: performance.now() - started });
} else if (task === 'import') {
  const [database, file, format, partners] = args as [string, string, string, string | undefined];
  const store = await openStore(database.startsWith('postgres') ? { kind: 'postgres', url: database } : { kind: 'sqlite', file: database });
  // Partner Center lines are matched to partners through their tenant and location ids.
  if (partners) await importFile(store, 'partners', partners, { now: () => new Date(), progress: null });
  const started = performance.now();
  const summary = await importFile(store, 'revenue', file, { now: () => new Date(), progress: null, format: format as 'canonical' | 'partner-center' });
  const millis = performance.now() - started;
  await store.close();
  report({ rows: summary.rowsRead, inserted: summary.inserted, skipped: summary.skipped, millis });
} else {
  process.stderr.write(`unknown task '${task}'\n`);
  process.exit(2);
}
