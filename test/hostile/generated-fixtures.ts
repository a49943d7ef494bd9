import iconv from 'iconv-lite';
import { PARTNERS_HEADER } from './support.js';

/**
 * The large and binary fixtures, made on the fly rather than committed: each is a function of
 * nothing, so every run sees the same bytes. test/fixtures/README.md lists them.
 */

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const sjis = (text: string) => iconv.encode(text, 'cp932');
const partnerRow = (id: string, name: string, eol = '\n') => `${id},${name},2020-01-01,${id.toLowerCase()}@example.com${eol}`;

/** Rows with Japanese names, from line 2 on. */
function japaneseRows(count: number, prefix: string, eol = '\n'): string {
  return Array.from({ length: count }, (_, i) => partnerRow(`${prefix}${i}`, `株式会社さくら${i}`, eol)).join('');
}

/** 3,200 rows of 45 bytes or more: past the 64 KiB the encoding is guessed from and the first 128 KiB chunk read. */
const PAST_CHUNK_ROWS = 3200;
const CHUNK_BYTES = 128 << 10;

/** CRLF rows up to a CR that is the last byte of the first chunk read, its LF the first of the next, then a NUL. */
function nulAfterSplitCrlf(): Buffer {
  let text = `${PARTNERS_HEADER}\r\n`;
  let rows = 0;
  while (text.length < CHUNK_BYTES - 100) text += partnerRow(`P${rows++}`, 'Contoso', '\r\n');
  const filler = CHUNK_BYTES - 1 - (text.length + partnerRow('PX', '', '').length);
  text += partnerRow('PX', 'x'.repeat(filler), '\r\n');
  if (text.indexOf('\r', CHUNK_BYTES - 1) !== CHUNK_BYTES - 1) throw new Error('the CR is not the last byte of the chunk');
  return utf8(`${text}${partnerRow('PY', 'Fine', '\r\n')}${partnerRow('PZ', 'A\u0000B', '\r\n')}`);
}

export const GENERATED = {
  /** A single 1 MiB unquoted field. */
  oneMegabyteField: () => utf8(`${PARTNERS_HEADER}\n${partnerRow('P1', 'Fine')}P2,${'x'.repeat(1 << 20)},2020-01-01,a@example.com\n`),
  /** A 1 MiB quoted field full of commas, doubled quotes and line breaks. */
  oneMegabyteQuotedField: () => utf8(`${PARTNERS_HEADER}\n${partnerRow('P1', 'Fine')}P2,"${'a,""b""\r\n'.repeat(1 << 17)}",2020-01-01,a@example.com\n`),
  nulInField: () => utf8(`${PARTNERS_HEADER}\n${partnerRow('P1', 'Fine')}${partnerRow('P2', 'A\u0000B')}`),
  utf16le: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${PARTNERS_HEADER}\r\n${partnerRow('P1', 'Contoso')}`, 'utf16le')]),
  /** A UTF-8 row, then a Shift_JIS row, both within the sniffed head. */
  utf8ThenShiftJis: () => Buffer.concat([utf8(`${PARTNERS_HEADER}\n${partnerRow('P1', '日本商事')}`), sjis(partnerRow('P2', '日本商事'))]),
  /** Shift_JIS first, then a UTF-8 row that decodes as Shift_JIS without one invalid byte: 東京 → 譚ｱ莠ｬ. */
  shiftJisThenCleanUtf8: () => Buffer.concat([sjis(`${PARTNERS_HEADER}\n${partnerRow('P1', 'さくら商事')}`), utf8(partnerRow('P2', '東京'))]),
  /** Valid UTF-8 Japanese for more than the sniffed head and the first chunk, then one Shift_JIS row. */
  shiftJisAfterUtf8Head: () => Buffer.concat([utf8(`${PARTNERS_HEADER}\n${japaneseRows(PAST_CHUNK_ROWS, 'U')}`), sjis(partnerRow('S1', '東京'))]),
  /** Shift_JIS for more than the sniffed head and the first chunk, then one UTF-8 row. */
  utf8AfterShiftJisHead: () => Buffer.concat([sjis(`${PARTNERS_HEADER}\n${japaneseRows(PAST_CHUNK_ROWS, 'S')}`), utf8(partnerRow('U1', '東京'))]),
  /** The same with CR line ends, as Excel's "CSV (Macintosh)" writes them. */
  utf8AfterShiftJisHeadCrOnly: () => Buffer.concat([sjis(`${PARTNERS_HEADER}\r${japaneseRows(PAST_CHUNK_ROWS, 'S', '\r')}`), utf8(partnerRow('U1', '東京', '\r'))]),
  /** A NUL in the second chunk of a CR-only file. */
  nulAfterFirstChunkCrOnly: () => utf8(`${PARTNERS_HEADER}\r${japaneseRows(PAST_CHUNK_ROWS, 'U', '\r')}${partnerRow('P1', 'A\u0000B', '\r')}`),
  /** A NUL after a CRLF split between two chunks: the split line end counts once. */
  nulAfterSplitCrlf,
  /** A UTF-8 file cut off in the middle of its last character, ASCII before it. */
  truncatedUtf8: () => utf8(`${PARTNERS_HEADER},regions\nP1,Contoso,2020-01-01,a@example.com,東京`).subarray(0, -1),
  /** The same with the cut character the only one beyond ASCII: `Tokyo 東` cut to `Tokyo \xe6\x9d`. */
  truncatedUtf8OnlyNonAscii: () => utf8(`${PARTNERS_HEADER},regions\nP1,Contoso,2020-01-01,a@example.com,Tokyo 東`).subarray(0, -1),
  /** Shift_JIS with a byte no CP932 character starts with (0xA0). */
  invalidShiftJisByte: () => Buffer.concat([sjis(`${PARTNERS_HEADER}\n${partnerRow('P1', 'さくら')}`), Buffer.from('P2,A\xa0B,2020-01-01,a@example.com\n', 'latin1')]),
  /** Real CP932 as Excel writes it: CRLF, full- and half-width kana, NEC and IBM extension characters. */
  cp932: () => sjis(`${PARTNERS_HEADER}\r\n${['株式会社さくらクラウド', 'ｶﾌﾞｼｷｶﾞｲｼｬ ﾃｽ', '髙橋商事①', '～－＝＋合同会社', '"引用, ""符"""'].map((name, i) => partnerRow(`J${i}`, name).replace(/\n$/, '\r\n')).join('')}`),
  /** UTF-8 with a BOM and CRLF: quotes, commas, emoji, Japanese. */
  utf8Bom: () => utf8(`\ufeff${PARTNERS_HEADER}\r\nE1,"Smith, ""The"" Partner 🚀",2020-01-01,e1@example.com\r\nE2,合同会社テスト👩‍💻,2020-01-01,e2@example.com\r\n`),
} as const;

export type GeneratedFixture = keyof typeof GENERATED;

/** The line of the row after the Japanese rows. */
export const PAST_CHUNK_LINE = PAST_CHUNK_ROWS + 2;
