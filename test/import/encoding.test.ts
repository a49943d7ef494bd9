import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ENGINES } from '../helpers/engines.js';
import { PARTNERS_HEADER as HEADER, useImportFolder } from './support.js';

const asciiRows = (count: number) => Array.from({ length: count }, (_, i) => `A${i},Alpha Trading ${i},2020-01-01,a${i}@example.com\n`).join('');
/** More ASCII than the 64 KiB the encoding is guessed from. */
const PAST_SNIFF = 2000;

describe.each(ENGINES)('encoding advice on %s', (engine) => {
  const folder = useImportFolder(engine);
  const { env, write, partnerCount } = folder;

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
    expect(await folder.temp.query("select partner_name from partners where partner_id = 'J1'")).toEqual([{ partner_name: '株式会社さくら' }]);
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
