import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

const HEADER = 'partner_id,partner_name,onboarded_on,notice_to';
const asciiRows = (count: number) => Array.from({ length: count }, (_, i) => `A${i},Alpha Trading ${i},2020-01-01,a${i}@example.com\n`).join('');
/** More ASCII than the 64 KiB the encoding is guessed from. */
const PAST_SNIFF = 2000;

describe.each(ENGINES)('folder imports and encoding advice on %s', (engine) => {
  let temp: TestDatabase;
  beforeEach(async () => {
    temp = await createTestDatabase(engine);
  });
  afterEach(async () => temp.cleanup());

  const env = () => ({ DATABASE_URL: temp.databaseUrl });
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(temp.dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  };
  const partnerCount = async () => Number(Object.values((await temp.query('select count(*) from partners'))[0]!)[0]);

  it('refuses a folder whose partners.csv is a symbolic link out of the folder, without showing a byte of its target', async () => {
    const secret = write('elsewhere/secret.csv', `${HEADER}\nSECRET-ID,Top Secret KK,2020-01-01,secret@example.com\n`);
    const dir = path.join(temp.dir, 'incoming');
    mkdirSync(dir);
    symlinkSync(secret, path.join(dir, 'partners.csv'));
    const passwd = path.join(temp.dir, 'incoming2');
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
    const dir = path.join(temp.dir, 'incoming');
    write('incoming/partners-2026.csv', `${HEADER}\nP1,Alpha,2020-01-01,a@example.com\n`);
    symlinkSync('partners-2026.csv', path.join(dir, 'partners.csv'));
    const result = await runCli(['import', dir], env());
    expect(result.stderr).toMatch(/partners\.csv: partners/);
    expect(result.code).toBe(0);
    expect(await partnerCount()).toBe(1);
  });

  /** The --encoding an error advises, if any; following it must work (or no advice is given). */
  const advised = (stderr: string) => /import it with --encoding (utf8|shift_jis)/.exec(stderr)?.[1] ?? null;

  it('a Shift_JIS file whose first 64 KiB are ASCII: the advice is --encoding shift_jis, and following it imports the file', async () => {
    const file = write('late-japanese.csv', Buffer.concat([Buffer.from(`${HEADER}\n${asciiRows(PAST_SNIFF)}`), iconv.encode('J1,株式会社さくら,2020-01-01,j@example.jp\n', 'cp932')]));
    const guessed = await runCli(['import', 'partners', file], env());
    expect(guessed.code).toBe(2);
    expect(guessed.stderr).toMatch(/late-japanese\.csv:2002: the file is not valid UTF-8 on this line, but the whole file reads as Shift_JIS \(CP932\)/);
    expect(advised(guessed.stderr)).toBe('shift_jis');
    const followed = await runCli(['import', 'partners', file, '--encoding', 'shift_jis'], env());
    expect(followed.code).toBe(0);
    expect(await temp.query("select partner_name from partners where partner_id = 'J1'")).toEqual([{ partner_name: '株式会社さくら' }]);
  });

  it('a UTF-8 file forced to Shift_JIS: the advice is --encoding utf8, and following it imports the file', async () => {
    const file = write('utf8.csv', `${HEADER}\nJ2,株式会社テスト,2020-01-01,j@example.jp\n`);
    const forced = await runCli(['import', 'partners', file, '--encoding', 'shift_jis'], env());
    expect(forced.code).toBe(2);
    expect(forced.stderr).toMatch(/not valid Shift_JIS on this line, but the whole file reads as UTF-8/);
    expect(advised(forced.stderr)).toBe('utf8');
    expect((await runCli(['import', 'partners', file, '--encoding', 'utf8'], env())).code).toBe(0);
    expect(await partnerCount()).toBe(1);
  });

  it('a file that mixes UTF-8 and Shift_JIS rows: no --encoding is advised, and none of them imports it', async () => {
    const file = write('mixed.csv', Buffer.concat([Buffer.from(`${HEADER}\nU1,株式会社テスト,2020-01-01,u@example.jp\n`), iconv.encode('S1,株式会社みどり,2020-01-01,s@example.jp\n', 'cp932')]));
    for (const choice of [[], ['--encoding', 'utf8']]) {
      const result = await runCli(['import', 'partners', file, ...choice], env());
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/mixes two encodings|mixed encodings/);
      expect(advised(result.stderr)).toBeNull();
    }
    expect(await partnerCount()).toBe(0);
  });

  it('a Latin-1 file, neither UTF-8 nor Shift_JIS: the advice is to save it as UTF-8, never another --encoding', async () => {
    const file = write('latin1.csv', Buffer.from(`${HEADER}\nL1,Soci\xe9t\xe9 G\xe9n\xe9rale,2020-01-01,l@example.fr\n`, 'latin1'));
    for (const choice of [[], ['--encoding', 'utf8'], ['--encoding', 'shift_jis']]) {
      const result = await runCli(['import', 'partners', file, ...choice], env());
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/latin1\.csv:2: the file is not valid (UTF-8|Shift_JIS) on this line.*save it as UTF-8/);
      expect(advised(result.stderr)).toBeNull();
    }
  });
});
