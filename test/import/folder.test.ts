import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { PARTNERS_HEADER as HEADER, useImportFolder } from './support.js';

describe.each(ENGINES)('folder imports on %s', (engine) => {
  const folder = useImportFolder(engine);
  const { env, write, partnerCount } = folder;

  it('refuses a folder whose partners.csv is a symbolic link out of the folder, without showing a byte of its target', async () => {
    const secret = write('elsewhere/secret.csv', `${HEADER}\nSECRET-ID,Top Secret KK,2020-01-01,secret@example.com\n`);
    const dir = path.join(folder.temp.dir, 'incoming');
    mkdirSync(dir);
    symlinkSync(secret, path.join(dir, 'partners.csv'));
    const passwd = path.join(folder.temp.dir, 'incoming2');
    mkdirSync(passwd);
    symlinkSync('/etc/passwd', path.join(passwd, 'partners.csv'));

    for (const folder of [dir, passwd]) {
      const result = await runCli(['import', folder], env());
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/partners\.csv is a symbolic link to a file outside .*: a folder import reads only the folder's own files/);
      expect(result.stderr).not.toMatch(/SECRET|Top Secret|root:/);
    }
    expect(await partnerCount()).toBe(0);
  });

  it('follows a symbolic link that stays inside the folder', async () => {
    const dir = path.join(folder.temp.dir, 'incoming');
    write('incoming/partners-2026.csv', `${HEADER}\nP1,Alpha,2020-01-01,a@example.com\n`);
    symlinkSync('partners-2026.csv', path.join(dir, 'partners.csv'));
    const result = await runCli(['import', dir], env());
    expect(result.stderr).toMatch(/partners\.csv: partners/);
    expect(result.code).toBe(0);
    expect(await partnerCount()).toBe(1);
  });
});
