import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type Encoding = 'utf8' | 'shift_jis';
export type EncodingChoice = Encoding | 'auto';

export const CR = 0x0d;
export const LF = 0x0a;

/**
 * UTF-8 (with or without BOM) unless the first bytes are not valid UTF-8, then Shift_JIS/CP932,
 * which is what Excel in Japan writes. A file that turns out invalid later is refused, not guessed at.
 * A sequence cut off at the end is no evidence against UTF-8, even when the head is the whole file:
 * a UTF-8 file truncated mid-character is then refused at its last line rather than read as Shift_JIS.
 */
export function detectEncoding(head: Buffer): Encoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  return isUtf8(head.subarray(0, completeUtf8Length(head))) ? 'utf8' : 'shift_jis';
}

/** The length of `buffer` without a UTF-8 sequence cut off at its end. */
export function completeUtf8Length(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}


/**
 * What Japanese text holds beyond ASCII: CJK symbols, kana and ideographs, full- and half-width
 * forms, and the symbols, circled numbers and box drawing of JIS and its NEC/IBM extensions.
 */
const JAPANESE = /[\u2010-\u2bff\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef]/;
/** The bytes every such character is written with in UTF-8, seen through latin1. */
const UTF8_THREE_BYTES = /[\xe2-\xef][\x80-\xbf]{2}/;

/**
 * Finds, in a file guessed to be Shift_JIS, a line that is UTF-8 Japanese: pasted in from a UTF-8
 * file. Such a line often decodes as Shift_JIS without one invalid byte (UTF-8 `東京` reads as
 * `譚ｱ莠ｬ`), so without this check it would be imported as mojibake. Real Shift_JIS text is valid
 * UTF-8 that reads as Japanese only by rare coincidence, and `--encoding shift_jis` overrides.
 * CR and LF are single bytes in both encodings, never part of a Shift_JIS character.
 */
export class Utf8LineFinder {
  /** The unfinished last line of the bytes scanned so far. */
  private carry: Buffer = Buffer.alloc(0);

  /**
   * Where the first UTF-8 Japanese line completed by `chunk` (or by the end) starts, as an offset
   * into `chunk`: 0 or less for a line begun in an earlier chunk. Null when there is none.
   */
  scan(chunk: Buffer, end: boolean): number | null {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const complete = end ? bytes.length : Math.max(bytes.lastIndexOf(LF), bytes.lastIndexOf(CR)) + 1;
    // A chunk without the bytes of a three-byte UTF-8 character, or without a Japanese one when read
    // leniently, cannot hold a UTF-8 Japanese line: most chunks end here.
    const found =
      UTF8_THREE_BYTES.test(bytes.toString('latin1', 0, complete)) && JAPANESE.test(bytes.toString('utf8', 0, complete)) ? firstUtf8JapaneseLine(bytes, complete) : null;
    if (found !== null) return found - this.carry.length;
    this.carry = Buffer.from(bytes.subarray(complete));
    return null;
  }
}

/** The start of the first line within `bytes[0, end)` that reads as UTF-8 Japanese, or null. */
function firstUtf8JapaneseLine(bytes: Buffer, end: number): number | null {
  let lf = bytes.indexOf(LF);
  let cr = bytes.indexOf(CR);
  for (let start = 0; start < end; ) {
    if (lf >= 0 && lf < start) lf = bytes.indexOf(LF, start);
    if (cr >= 0 && cr < start) cr = bytes.indexOf(CR, start);
    const stop = Math.min(lf < 0 ? end : lf, cr < 0 ? end : cr, end);
    if (readsAsUtf8Japanese(bytes.subarray(start, stop))) return start;
    start = stop + 1;
  }
  return null;
}

function readsAsUtf8Japanese(line: Buffer): boolean {
  return !isAscii(line) && isUtf8(line) && JAPANESE.test(line.toString('utf8'));
}


/**
 * What a file that failed to read as `tried` really is, told so that the advice is true: another
 * `--encoding` helps only when the whole file reads cleanly in the other encoding; a file that
 * mixes two encodings must be saved again in one. `textBefore`: the lines before the bad one held
 * text beyond ASCII in `tried`, so they were written in it. `chunks` reads the whole file again,
 * which only a failed import pays for.
 */
export function describeBadEncoding(tried: Encoding, textBefore: boolean, chunks: () => Iterable<Buffer>): string {
  const name = tried === 'utf8' ? 'UTF-8' : 'Shift_JIS';
  const head = `the file is not valid ${name} on this line`;
  if (textBefore) {
    return `${head}, though the text before it is: the file mixes two encodings (rows pasted in from another file) or is damaged here; open it in an editor, fix this line and save the whole file as UTF-8 (no --encoding reads a file that mixes encodings)`;
  }
  const other: Encoding = tried === 'utf8' ? 'shift_jis' : 'utf8';
  if (readsWholly(other, chunks())) {
    return `${head}, but the whole file reads as ${other === 'utf8' ? 'UTF-8' : 'Shift_JIS (CP932)'}: import it with --encoding ${other}`;
  }
  return `${head}, and the file is not ${other === 'utf8' ? 'UTF-8' : 'Shift_JIS (CP932)'} either (another encoding, or damaged bytes): save it as UTF-8 and import it again`;
}

/** A UTF-8 file that ends inside a character. */
export const TRUNCATED_UTF8 = 'the file is not valid UTF-8 on this line: it ends inside a character (the file may be cut off); export or copy it again';

/** Whether every byte of the file reads as `encoding`: as CP932, without a line that is really UTF-8 Japanese. */
function readsWholly(encoding: Encoding, chunks: Iterable<Buffer>): boolean {
  if (encoding === 'utf8') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      for (const chunk of chunks) decoder.decode(chunk, { stream: true });
      decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
  const decoder = iconv.getDecoder('cp932');
  const utf8Lines = new Utf8LineFinder();
  for (const chunk of chunks) {
    if (chunk.includes(0) || decoder.write(chunk).includes('\ufffd') || utf8Lines.scan(chunk, false) !== null) return false;
  }
  return !(decoder.end() ?? '').includes('\ufffd') && utf8Lines.scan(Buffer.alloc(0), true) === null;
}

/** The message for a Shift_JIS file one of whose lines is UTF-8 Japanese. */
export const MIXED_SHIFT_JIS =
  'the file is Shift_JIS but this line is UTF-8 (mixed encodings); save the whole file in one encoding, or if every line really is Shift_JIS, choose it with --encoding shift_jis';
