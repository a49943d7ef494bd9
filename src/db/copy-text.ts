/**
 * Rows in PostgreSQL's COPY text format, gathered straight into bytes: a string built row by row
 * would be a tree of small pieces until it is sent, several times larger to keep. A few rows at a
 * time are encoded together, which costs less than one encoding call per row.
 */
export class CopyText {
  private buffer: Buffer;
  private at = 0;
  /** Rows not yet encoded, and how many. */
  private pending = '';
  private pendingRows = 0;

  constructor(private readonly initialBytes: number) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** About how many bytes were gathered since the last take (rows not yet encoded count a byte per character). */
  get bytes(): number {
    return this.at + this.pending.length;
  }

  /** Adds one row: the `width` values from `offset`. */
  add(values: readonly unknown[], offset: number, width: number): void {
    let text = copyValue(values[offset]);
    for (let c = 1; c < width; c++) text += '\t' + copyValue(values[offset + c]);
    this.pending += text + '\n';
    if (++this.pendingRows === ROWS_PER_ENCODING) this.encode();
  }

  /** The rows gathered since the last take, as bytes of their own. */
  take(): Buffer {
    this.encode();
    const rows = this.buffer.subarray(0, this.at);
    this.buffer = Buffer.allocUnsafe(Math.max(this.initialBytes, this.at));
    this.at = 0;
    return rows;
  }

  private encode(): void {
    const text = this.pending;
    this.pending = '';
    this.pendingRows = 0;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.at + text.length * 3 > this.buffer.length) this.grow(text.length * 3);
    this.at += this.buffer.write(text, this.at);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.at + needed));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
}

const ROWS_PER_ENCODING = 64;

/** One value in COPY's text format: \N is NULL, and backslash, tab and line breaks are escaped. */
function copyValue(value: unknown): string {
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]!) : value;
  if (typeof value === 'number') return String(value);
  if (value === null || value === undefined) return '\\N';
  return typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
