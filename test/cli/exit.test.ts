import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunJson } from '../../src/run/run.js';
import { runCli } from '../helpers/cli.js';
import { writeDuePartners } from '../helpers/generated-partners.js';
import { CLI } from '../helpers/spawn-cli.js';
import { tempDir } from '../helpers/temp-store.js';

const sh = promisify(execFile);
const AS_OF = '2026-10-15';
const PARTNERS = 3_200;
/** A pipe holds 64 KiB: every output here is many times that. */
const PIPE_BUFFER = 64 * 1024;

/**
 * The built command writes into a shell pipe whose reader waits a second before reading, so the
 * pipe is full long before the command is done; what comes through must be every byte that the
 * same command writes into a file.
 */
describe('output through a real pipe', () => {
  let temp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;

  beforeAll(async () => {
    temp = tempDir();
    env = { DATABASE_URL: path.join(temp.dir, 'reeval.sqlite'), OUTBOX_DIR: path.join(temp.dir, 'outbox') };
    const generated = writeDuePartners(temp.dir, PARTNERS, { prefix: '7', failEvery: 1_000 });
    expect((await runCli(['import', generated.dir], env)).code).toBe(0);
    expect((await runCli(['run', '--as-of', AS_OF], env)).code).toBe(0);
  }, 120_000);
  afterAll(() => temp.cleanup());

  /** Runs the command twice: into a file, and through a slow reader into another; returns both. */
  const throughPipeAndFile = async (args: string[], name: string) => {
    const direct = path.join(temp.dir, `${name}.direct`);
    const piped = path.join(temp.dir, `${name}.piped`);
    const command = `"${process.execPath}" "${CLI}" ${args.join(' ')}`;
    const options = { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 1 << 20 };
    await sh('sh', ['-c', `${command} > "${direct}"`], options);
    // `set -o pipefail` is not in every sh: the command's own status comes out through a file.
    await sh('sh', ['-c', `{ ${command}; echo $? > "${piped}.status"; } | { sleep 1; cat > "${piped}"; }`], options);
    expect(readFileSync(`${piped}.status`, 'utf8').trim()).toBe('0');
    return { direct: readFileSync(direct), piped: readFileSync(piped) };
  };

  for (const format of ['csv', 'json', 'html'] as const) {
    it(`report --format ${format}: the same bytes through a pipe as into a file`, async () => {
      const { direct, piped } = await throughPipeAndFile(['report', '--cycle', '2026-10', '--format', format], `report-${format}`);
      expect(direct.length).toBeGreaterThan(4 * PIPE_BUFFER);
      expect(piped.length).toBe(direct.length);
      expect(piped.equals(direct)).toBe(true);
      if (format === 'csv') expect(piped.toString('utf8').trim().split('\r\n')).toHaveLength(PARTNERS + 1);
      if (format === 'json') expect(JSON.stringify(JSON.parse(piped.toString('utf8'))).length).toBeGreaterThan(0);
    }, 60_000);
  }

  it('run --json: the same bytes through a pipe as into a file, and a real run comes through whole', async () => {
    const { direct, piped } = await throughPipeAndFile(['run', '--as-of', AS_OF, '--dry-run', '--json'], 'dry-run');
    expect(direct.length).toBeGreaterThan(4 * PIPE_BUFFER);
    expect(piped.equals(direct)).toBe(true);

    // Needs-review cycles are decided again by every run, so this run prints them all once more.
    const real = path.join(temp.dir, 'run.piped');
    await sh('sh', ['-c', `"${process.execPath}" "${CLI}" run --as-of ${AS_OF} --json | { sleep 1; cat > "${real}"; }`], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const json = JSON.parse(readFileSync(real, 'utf8')) as RunJson;
    expect(json.decisions).toHaveLength(PARTNERS - Math.ceil(PARTNERS / 1_000));
    expect(json.runId).toBeGreaterThan(1);
  }, 60_000);
});
