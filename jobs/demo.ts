#!/usr/bin/env node
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { exitAfterOutput } from '../src/cli/exit.js';
import { main, PROJECT_ROOT } from '../src/cli/main.js';

/**
 * `npm run demo`: imports the bundled sample data into a fresh SQLite database of its own
 * (data/demo.sqlite, so a real data/reeval.sqlite is never touched) and runs as of a fixed day,
 * writing the notices as .eml files into data/demo-outbox.
 */
const AS_OF = '2026-10-15';
const database = path.join(PROJECT_ROOT, 'data', 'demo.sqlite');
const outbox = path.join(PROJECT_ROOT, 'data', 'demo-outbox');

for (const file of [database, `${database}-wal`, `${database}-shm`]) rmSync(file, { force: true });
rmSync(outbox, { recursive: true, force: true });

const io = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: { ...process.env, DATABASE_URL: database, OUTBOX_DIR: outbox, SMTP_URL: '', OPS_EMAIL: process.env.OPS_EMAIL || 'csp-operations@example.com' },
  cwd: PROJECT_ROOT,
  now: () => new Date(),
};

process.stdout.write(`Importing data/sample into ${path.relative(process.cwd(), database)} …\n`);
let code = await main(['import', path.join(PROJECT_ROOT, 'data', 'sample')], io);
if (code === 0) {
  process.stdout.write(`\nRunning the re-evaluation as of ${AS_OF} …\n`);
  code = await main(['run', '--as-of', AS_OF], io);
}
if (code === 0) {
  const written = readdirSync(outbox).filter((name) => name.endsWith('.eml'));
  const relativeDb = path.relative(process.cwd(), database);
  process.stdout.write(
    [
      '',
      `${written.length} notice(s) written to ${path.relative(process.cwd(), outbox)}/ as .eml files.`,
      'Ask why a partner was decided so, or look again:',
      `  DATABASE_URL=${relativeDb} npx csp-reeval explain 4010003 --as-of ${AS_OF}`,
      `  DATABASE_URL=${relativeDb} npx csp-reeval report --cycle 2026-10`,
      `  DATABASE_URL=${relativeDb} npx csp-reeval outlook --as-of ${AS_OF}   # who is on course to fail in the next 3 months`,
      `  DATABASE_URL=${relativeDb} npx csp-reeval run --as-of ${AS_OF} --json   # a re-run changes nothing`,
      '',
    ].join('\n'),
  );
}
await exitAfterOutput(code);
