import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { Parser, type Options } from 'csv-parse';
import iconv from 'iconv-lite';

export type Encoding = 'utf8' | 'shift_jis';
export type EncodingChoice = Encoding | 'auto';

export interface CsvRecord {
  fields: string[];
  /** The line the record starts on, 1 for the header. */
  line: number;
}

/** A file that cannot be read as CSV at all: where, and why. Nothing after it can be trusted. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
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
const SNIFF_BYTES = 64 * 1024;

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * UTF-8 (with or without BOM) unless the first bytes are not valid UTF-8, then Shift_JIS/CP932,
 * which is what Excel in Japan writes. A file that turns out invalid later is refused, not guessed at.
 */
export function detectEncoding(head: Buffer, complete: boolean): Encoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  const checked = complete ? head : head.subarray(0, completeUtf8Length(head));
  return isUtf8(checked) ? 'utf8' : 'shift_jis';
}

/** The length of `buffer` without a UTF-8 sequence cut off at its end. */
function completeUtf8Length(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
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
  const encoding = choice === 'auto' ? detectEncoding(head.bytes, head.complete) : choice;
  return { encoding, batches: () => readRecords(file, encoding, onBytes) };
}

async function readHead(file: string): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const stream = createReadStream(file, { start: 0, end: SNIFF_BYTES - 1 });
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { bytes: Buffer.concat(chunks), complete: length < SNIFF_BYTES };
}

async function* readRecords(file: string, encoding: Encoding, onBytes?: (bytesRead: number) => void): AsyncGenerator<CsvRecord[]> {
  const core = (new Parser(CSV_OPTIONS) as unknown as { api: ParserCore }).api;
  let batch: CsvRecord[] = [];
  let lastEnd = 0;
  let lastEmpty = 0;
  const push = (fields: string[]) => {
    const { lines, empty_lines: empty } = core.info;
    // A record starts after the previous one and any blank lines skipped since; it may span lines.
    batch.push({ fields, line: lastEnd + 1 + (empty - lastEmpty) });
    lastEnd = lines;
    lastEmpty = empty;
  };
  const feed = (buffer: Buffer | undefined, end: boolean) => {
    const error = core.parse(buffer, end, push, () => undefined);
    if (error) throw syntaxError(error, core.info.lines);
  };

  const decoder = encoding === 'shift_jis' ? iconv.getDecoder('cp932') : null;
  let carry: Buffer = Buffer.alloc(0);
  let bytesRead = 0;
  for await (const raw of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    const chunk = raw as Buffer;
    bytesRead += chunk.length;
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      throw new CsvSyntaxError(
        core.info.lines + newlinesIn(chunk.subarray(0, nul).toString('latin1')),
        'the file contains a NUL byte: it is not a text CSV file (UTF-16 is not supported; save it as UTF-8)',
      );
    }
    if (decoder) {
      const text = decoder.write(chunk);
      const bad = text.indexOf('\ufffd');
      if (bad >= 0) throw encodingError(core.info.lines + newlinesIn(text.slice(0, bad)), 'Shift_JIS');
      feed(Buffer.from(text, 'utf8'), false);
    } else {
      const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const usable = completeUtf8Length(joined);
      const body = joined.subarray(0, usable);
      if (!isUtf8(body)) {
        const text = body.toString('utf8');
        throw encodingError(core.info.lines + newlinesIn(text.slice(0, text.indexOf('\ufffd'))), 'UTF-8');
      }
      carry = Buffer.from(joined.subarray(usable));
      feed(body, false);
    }
    onBytes?.(bytesRead);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  if (carry.length > 0) throw encodingError(core.info.lines, 'UTF-8');
  if (decoder) {
    const rest = decoder.end() ?? '';
    if (rest.includes('\ufffd')) throw encodingError(core.info.lines, 'Shift_JIS');
    if (rest) feed(Buffer.from(rest, 'utf8'), false);
  }
  feed(undefined, true);
  if (batch.length > 0) yield batch;
}

function newlinesIn(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

function encodingError(line: number, encoding: string): CsvSyntaxError {
  const other = encoding === 'UTF-8' ? 'shift_jis' : 'utf8';
  return new CsvSyntaxError(
    line,
    `the file is not valid ${encoding} on this line (mixed encodings?); save the whole file in one encoding, or choose it with --encoding ${other}`,
  );
}

function syntaxError(error: Error, line: number): CsvSyntaxError {
  const code = (error as Error & { code?: string; lines?: number }).code;
  const at = (error as { lines?: number }).lines ?? line;
  const reason =
    code === 'CSV_QUOTE_NOT_CLOSED'
      ? 'a quoted field is never closed (the file may be truncated)'
      : code === 'CSV_MAX_RECORD_SIZE'
        ? `a record is longer than ${CSV_OPTIONS.max_record_size} characters`
        : code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE'
          ? 'a quote is misplaced: a quoted field must end at a comma or line end ("" is a quote inside quotes)'
          : error.message;
  return new CsvSyntaxError(at, `cannot read CSV: ${reason}`);
}
