import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { isAscii, isUtf8 } from 'node:buffer';
import { Parser, type Options } from 'csv-parse';
import iconv from 'iconv-lite';
import { CsvSyntaxError } from '../errors.js';
import {
  completeUtf8Length,
  CR,
  describeBadEncoding,
  detectEncoding,
  type Encoding,
  type EncodingChoice,
  LF,
  MIXED_SHIFT_JIS,
  TRUNCATED_UTF8,
  Utf8LineFinder,
} from './encoding.js';

export type { Encoding, EncodingChoice } from './encoding.js';

export interface CsvRecord {
  fields: string[];
  /** The line the record starts on, 1 for the header. */
  line: number;
}

/** The parser's synchronous core, which the stream wrapper drives one record at a time. */
interface ParserCore {
  parse(buffer: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
  info: { lines: number; empty_lines: number };
}

const CSV_OPTIONS: Options = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  // One record longer than this is refused rather than buffered: no input field is legitimately a megabyte.
  max_record_size: 256 * 1024,
};

const CHUNK_BYTES = 128 << 10;
const HASH_CHUNK_BYTES = 1 << 20;
const SNIFF_BYTES = 64 * 1024;

/**
 * Read in 1 MiB synchronous reads (see `readChunks`): this comes before anything else an import
 * does, so its time is the import's. The event loop gets a turn every 32 MiB.
 */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  let chunks = 0;
  for (const chunk of readChunks(file, HASH_CHUNK_BYTES)) {
    hash.update(chunk);
    if (++chunks % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}

export interface CsvSource {
  encoding: Encoding;
  /** Records in file order, a chunk's worth at a time, so the caller pays one await per chunk, not per row. */
  batches(): AsyncGenerator<CsvRecord[]>;
}

/**
 * Streams a CSV file as records with their line numbers. Memory holds one chunk of the file and its
 * records, whatever the file's size.
 */
export async function openCsv(file: string, choice: EncodingChoice, onBytes?: (bytesRead: number) => void): Promise<CsvSource> {
  const head = await readHead(file);
  const encoding = choice === 'auto' ? detectEncoding(head) : choice;
  // Only a guessed Shift_JIS is second-guessed line by line: a choice made with --encoding stands.
  const refuseUtf8Lines = choice === 'auto' && encoding === 'shift_jis';
  return { encoding, batches: () => readRecords(file, encoding, onBytes, refuseUtf8Lines) };
}

async function readHead(file: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(file, { start: 0, end: SNIFF_BYTES - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function* readRecords(
  file: string,
  encoding: Encoding,
  onBytes: ((bytesRead: number) => void) | undefined,
  refuseUtf8Lines: boolean,
): AsyncGenerator<CsvRecord[]> {
  const core = (new Parser(CSV_OPTIONS) as unknown as { api: ParserCore }).api;
  let batch: CsvRecord[] = [];
  // Record lines are counted here, not taken from the parser: it counts a CRLF inside quotes as two lines.
  let nextLine = 1;
  let lastLines = 0;
  let lastEmpty = 0;
  /** The line the record being parsed starts on: after the previous one and the blank lines skipped since. */
  const recordLine = () => nextLine + core.info.empty_lines - lastEmpty;
  const push = (fields: string[]) => {
    const { lines, empty_lines: empty } = core.info;
    const line = recordLine();
    batch.push({ fields, line });
    // Only a record the parser saw span lines has line breaks inside its quoted fields to count.
    const spansLines = lines - lastLines - (empty - lastEmpty) > 1;
    nextLine = line + 1 + (spansLines ? fields.reduce((sum, field) => sum + lineBreaksIn(field), 0) : 0);
    lastLines = lines;
    lastEmpty = empty;
  };
  const feed = (buffer: Buffer | undefined, end: boolean) => {
    const error = core.parse(buffer, end, push, () => undefined);
    if (error) throw syntaxError(error, recordLine());
  };

  const decoder = encoding === 'shift_jis' ? iconv.getDecoder('cp932') : null;
  const utf8Lines = refuseUtf8Lines ? new Utf8LineFinder() : null;
  let carry: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  /** The line the current chunk starts on, and whether the chunk before ended in a CR (its LF may open this one). */
  let chunkLine = 1;
  let afterCr = false;
  const lineAt = (prefix: Buffer | string) => chunkLine + lineBreaksIn(prefix, afterCr);
  /** Whether the chunks read so far held text beyond ASCII that read well: then they were written in `encoding`. */
  let textBefore = false;
  /** The error for a bad byte after `prefix`, the text of this chunk before it: only whole lines before it count as text written in `encoding`. */
  const badEncoding = (line: number, prefix: string) => {
    const linesBefore = prefix.slice(0, Math.max(prefix.lastIndexOf('\n'), prefix.lastIndexOf('\r')) + 1);
    return new CsvSyntaxError(line, describeBadEncoding(encoding, textBefore || !isAscii(Buffer.from(linesBefore)), () => readChunks(file)));
  };
  for (const chunk of readChunks(file)) {
    bytesRead += chunk.length;
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      throw new CsvSyntaxError(lineAt(chunk.subarray(0, nul)), 'the file contains a NUL byte: it is not a text CSV file (UTF-16 is not supported; save it as UTF-8)');
    }
    if (decoder) {
      const utf8At = utf8Lines?.scan(chunk, false) ?? null;
      if (utf8At !== null) throw new CsvSyntaxError(utf8At > 0 ? lineAt(chunk.subarray(0, utf8At)) : chunkLine, MIXED_SHIFT_JIS);
      const text = decoder.write(chunk);
      const bad = text.indexOf('\ufffd');
      if (bad >= 0) throw badEncoding(lineAt(text.slice(0, bad)), text.slice(0, bad));
      feed(Buffer.from(text, 'utf8'), false);
    } else {
      const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = completeUtf8Length(joined);
      const body = joined.subarray(0, usable);
      if (!isUtf8(body)) {
        const text = body.toString('utf8');
        const before = text.slice(0, text.indexOf('\ufffd'));
        throw badEncoding(lineAt(before), before);
      }
      carry = Buffer.from(joined.subarray(usable));
      feed(body, false);
    }
    chunkLine = lineAt(chunk);
    afterCr = chunk[chunk.length - 1] === CR;
    textBefore ||= !isAscii(chunk);
    onBytes?.(bytesRead);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  if (carry.length > 0) throw new CsvSyntaxError(chunkLine, TRUNCATED_UTF8);
  if (decoder) {
    if (utf8Lines?.scan(Buffer.alloc(0), true) != null) throw new CsvSyntaxError(chunkLine, MIXED_SHIFT_JIS);
    const rest = decoder.end() ?? '';
    if (rest.includes('\ufffd')) throw badEncoding(chunkLine, '');
    if (rest) feed(Buffer.from(rest, 'utf8'), false);
  }
  feed(undefined, true);
  if (batch.length > 0) yield batch;
}

/**
 * The file's bytes, a chunk at a time, read synchronously. The reader has a thread of its own (or
 * a small file): a read from the page cache costs microseconds, whereas an asynchronous one hops
 * to the I/O thread pool, whose thread then waits its turn for a core the import keeps busy.
 */
export function* readChunks(file: string, size = CHUNK_BYTES): Generator<Buffer> {
  const fd = openSync(file, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(size);
      const length = readSync(fd, chunk, 0, size, null);
      if (length === 0) return;
      yield length < size ? chunk.subarray(0, length) : chunk;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Line breaks in `bytes`, CRLF, CR and LF counting one each, as an editor shows them; `afterCr`
 * when the bytes before them ended in a CR, so that an LF opening these completes that CRLF.
 * CR and LF are single bytes in UTF-8 and Shift_JIS alike, never part of another character, so
 * the file's own bytes are counted (text is counted through its UTF-8 bytes) rather than every
 * chunk being turned into a string first.
 */
function lineBreaksIn(bytes: Buffer | string, afterCr = false): number {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  let count = afterCr && b[0] === LF ? -1 : 0;
  for (let i = b.indexOf(LF); i >= 0; i = b.indexOf(LF, i + 1)) count++;
  for (let i = b.indexOf(CR); i >= 0; i = b.indexOf(CR, i + 1)) if (b[i + 1] !== LF) count++;
  return count;
}

function syntaxError(error: Error, line: number): CsvSyntaxError {
  const code = (error as Error & { code?: string }).code;
  const reason =
    code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted field is never closed (the file may be truncated)'
      : code === 'CSV_MAX_RECORD_SIZE'
        ? `a record is longer than ${CSV_OPTIONS.max_record_size} characters`
        : code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
          ? 'a quote is misplaced: a quoted field must end at a comma or line end ("" is a quote inside quotes)'
          : code === 'INVALID_OPENING_QUOTE'
            ? 'a quote is misplaced: a field with a quote in it must be quoted whole, its quotes doubled ("Acme ""Cloud"" KK")'
            : error.message;
  return new CsvSyntaxError(line, `cannot read CSV: ${reason}`);
}
