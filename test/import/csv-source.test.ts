import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, openCsv, readChunks, sha256OfFile } from '../../src/import/csv-source.js';
import { CsvSyntaxError } from '../../src/errors.js';
import { useTempDir } from '../helpers/temp-store.js';

/** The chunk size the reader uses, to put a line break across two chunks. */
const CHUNK = 128 << 10;

describe('openCsv', () => {
  const temp = useTempDir();

  const write = (content: string | Buffer) => {
    const file = path.join(temp.dir, 'in.csv');
    writeFileSync(file, content);
    return file;
  };
  async function records(content: string | Buffer, choice: 'auto' | 'utf8' | 'shift_jis' = 'auto'): Promise<CsvRecord[]> {
    const source = await openCsv(write(content), choice);
    const all: CsvRecord[] = [];
    for await (const batch of source.batches()) all.push(...batch);
    return all;
  }
  async function failure(content: string | Buffer): Promise<CsvSyntaxError> {
    const error = await records(content).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CsvSyntaxError);
    return error as CsvSyntaxError;
  }

  it('numbers each record by the line it starts on, as an editor shows it', async () => {
    const lines = async (content: string) => (await records(content)).map((r) => [r.line, r.fields[0]]);
    expect(await lines('id,name\r\nP1,"two\nlines"\r\n\r\nP2,"crlf\r\ninside"\r\nP3,plain\r\n')).toEqual([
      [1, 'id'],
      [2, 'P1'],
      [5, 'P2'],
      [7, 'P3'],
    ]);
    expect(await lines('id\nP4,"a\r\rb"\n\nP5,last')).toEqual([
      [1, 'id'],
      [2, 'P4'],
      [6, 'P5'],
    ]);
    expect(await lines('id\rP6\r\rP7\r')).toEqual([
      [1, 'id'],
      [2, 'P6'],
      [4, 'P7'],
    ]);
  });

  it('keeps quoted commas, quotes and line breaks inside a field, and drops a BOM', async () => {
    const [header, row] = await records('\ufeffid,name\n"P1","Acme ""Cloud"", KK\nTokyo"\n');
    expect(header!.fields).toEqual(['id', 'name']);
    expect(row!.fields).toEqual(['P1', 'Acme "Cloud", KK\nTokyo']);
  });

  it('counts a CRLF split between two chunks as one line break', async () => {
    const first = `id,pad\r\nP1,${'x'.repeat(CHUNK - 'id,pad\r\nP1,'.length - 1)}`;
    const content = `${first}\r\nP2,y\r\nP3,z\r\n`;
    expect(Buffer.byteLength(first)).toBe(CHUNK - 1);
    expect((await records(content)).map((r) => [r.line, r.fields[0]])).toEqual([
      [1, 'id'],
      [2, 'P1'],
      [3, 'P2'],
      [4, 'P3'],
    ]);
    // Errors found while reading bytes count lines by chunk: the split CRLF is one break there too.
    expect((await failure(`${first}\r\nP2,y\r\nP3,\0z\r\n`)).line).toBe(4);
  });

  it('reads Shift_JIS when guessed or chosen, and says which it read', async () => {
    const bytes = iconv.encode('id,name\nJ1,株式会社さくら\n', 'cp932');
    const source = await openCsv(write(bytes), 'auto');
    expect(source.encoding).toBe('shift_jis');
    expect((await records(bytes, 'shift_jis'))[1]!.fields).toEqual(['J1', '株式会社さくら']);
  });

  it('refuses a quoted field never closed, at the line it starts on', async () => {
    const error = await failure('id,name\nP1,ok\nP2,"open\nstill open\n');
    expect(error.line).toBe(3);
    expect(error.message).toBe('cannot read CSV: a quoted field is never closed (the file may be truncated)');
  });

  it('refuses misplaced quotes, saying how to write them', async () => {
    expect((await failure('id,name\nP1,"Acme" KK\n')).message).toMatch(/^cannot read CSV: a quote is misplaced: a quoted field must end at a comma or line end/);
    const opening = await failure('id,name\nP1,ok\nP2,Acme "Cloud" KK\n');
    expect(opening.line).toBe(3);
    expect(opening.message).toMatch(/a field with a quote in it must be quoted whole, its quotes doubled/);
  });

  it('refuses a NUL byte as a file that is not text, naming its line', async () => {
    const error = await failure(Buffer.from('id,name\nP1,ok\nP2,\0bad\n'));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/NUL byte: it is not a text CSV file \(UTF-16 is not supported/);
  });

  it('refuses a record longer than the limit rather than buffering it', async () => {
    expect((await failure(`id,name\nP1,"${'x'.repeat(300 * 1024)}"\n`)).message).toBe('cannot read CSV: a record is longer than 262144 characters');
  });

  it('refuses a UTF-8 file cut off inside a character, at its last line', async () => {
    const bytes = Buffer.from('id,name\nP1,東京\n', 'utf8');
    const error = await failure(bytes.subarray(0, bytes.length - 2));
    expect(error.line).toBe(2);
  });
});

describe('reading a file whole', () => {
  const temp = useTempDir();

  it('gives every byte once, in chunks of the size asked, and the same sha256 as hashing it at once', async () => {
    const file = path.join(temp.dir, 'data.bin');
    const bytes = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    writeFileSync(file, bytes);
    const chunks = [...readChunks(file, 4096)];
    expect(chunks.map((chunk) => chunk.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(await sha256OfFile(file)).toBe(createHash('sha256').update(bytes).digest('hex'));
    writeFileSync(file, '');
    expect([...readChunks(file)]).toEqual([]);
  });
});
