import { CsvSyntaxError } from '../errors.js';
import { type Encoding, type EncodingChoice, openCsv, readChunks } from './csv-source.js';
import { describeForeignHeader, UNBILLED_TODO } from './foreign-files.js';
import { readGraphSecurityScore } from './graph-reader.js';
import { looksLikePartnerCenter, resolveHeader } from './header.js';
import {
  type CellProblem,
  type ImportKind,
  type ImportFormat,
  type RowCells,
  specFor,
} from './kinds.js';

/**
 * Reads a file into checked table rows: the CSV, the header against the kind's columns, every cell
 * through its parser. No database here, so it can run in a worker thread beside the inserts.
 */
export interface ReadRequest {
  file: string;
  kind: ImportKind;
  /** Forced format; otherwise a Partner Center export is recognised by its header. */
  format?: ImportFormat;
  encoding: EncodingChoice;
  /** Appended to every row, as the last column. */
  batchId: number;
}

export interface LineProblem extends CellProblem {
  line: number;
}

export type ReadEvent =
  | { type: 'start'; encoding: Encoding; format: ImportFormat }
  | {
      type: 'rows';
      /** The rows, one after another, each `width` values long (batch id last): one flat array is far cheaper to pass between threads than one array per row. */
      values: unknown[];
      width: number;
      /** The line each row came from, for problems found later (aliases, unmatched partners). */
      lines: number[];
      /** Problems of this chunk, up to the listing limit over the whole file. */
      problems: LineProblem[];
      problemCount: number;
      rowsRead: number;
      /** Rows of nothing but empty fields (bare commas), skipped. */
      emptyRows: number;
      bytesRead: number;
    };

/** How many problems are listed in full; all are counted. */
export const LISTED_PROBLEMS = 100;

export async function* readRows(request: ReadRequest): AsyncGenerator<ReadEvent> {
  if (request.format === 'graph-security-score' || (request.kind === 'security' && request.format === undefined && startsWithJsonObject(request.file))) {
    yield* readGraphSecurityScore(request);
    return;
  }
  let bytesRead = 0;
  const source = await openCsv(request.file, request.encoding, (bytes) => {
    bytesRead = bytes;
  });
  let listed = 0;
  let spec: ReturnType<typeof specFor> | null = null;
  let header: string[] = [];
  let index = new Map<string, number>();
  let record: string[] = [];
  const cells: RowCells = {
    get: (column) => {
      const i = index.get(column);
      return i === undefined ? '' : (record[i] ?? '');
    },
    has: (column) => index.has(column),
  };
  const seenKeys = new Map<string, number>();
  const cellProblems: CellProblem[] = [];
  let anyProblem = false;
  let started = false;
  /** Partner Center lines read, and those without an invoice number: all of them, and it is an unbilled export. */
  let exportLines = 0;
  let linesWithoutInvoice = 0;

  const startEvent = (format: ImportFormat): ReadEvent => ({ type: 'start', encoding: source.encoding, format });
  const chunk = () => ({
    type: 'rows' as const,
    values: [] as unknown[],
    width: spec?.target.columns.length ?? 0,
    lines: [] as number[],
    problems: [] as LineProblem[],
    problemCount: 0,
    rowsRead: 0,
    emptyRows: 0,
    bytesRead,
  });

  try {
    for await (const records of source.batches()) {
      const out = chunk();
      const problem = (line: number, column: string, value: string, message: string) => {
        anyProblem = true;
        out.problemCount++;
        if (listed < LISTED_PROBLEMS) {
          listed++;
          out.problems.push({ line, column, value, message });
        }
      };
      let first = 0;
      if (!spec) {
        header = records[0]!.fields;
        const foreign = describeForeignHeader(header, request.kind, request.format);
        if (foreign !== null) {
          yield startEvent(request.format ?? 'canonical');
          yield { ...out, problemCount: 1, problems: [{ line: 1, column: '', value: '', message: foreign }] };
          return;
        }
        const format = request.format ?? (request.kind === 'revenue' && looksLikePartnerCenter(header) ? 'partner-center' : 'canonical');
        spec = specFor(request.kind, format);
        yield startEvent(format);
        started = true;
        out.width = spec.target.columns.length;
        const resolved = resolveHeader(header, spec);
        for (const message of resolved.problems) problem(1, '', '', message);
        if (resolved.problems.length > 0) {
          yield { ...out, bytesRead };
          return;
        }
        index = resolved.index;
        first = 1;
      }
      for (let r = first; r < records.length; r++) {
        const { fields, line } = records[r]!;
        record = fields;
        out.rowsRead++;
        if (isBlank(fields)) {
          out.emptyRows++;
          continue;
        }
        if (fields.length !== header.length) {
          problem(line, '', '', `has ${fields.length} field${fields.length === 1 ? '' : 's'}; the header has ${header.length}`);
          continue;
        }
        if (spec.format === 'partner-center') {
          exportLines++;
          if (cells.get('InvoiceNumber').trim() === '') linesWithoutInvoice++;
        }
        cellProblems.length = 0;
        const values = spec.parse(cells, cellProblems);
        if (!values) {
          for (const p of cellProblems) problem(line, p.column, p.value, p.message);
          continue;
        }
        if (spec.fileKey) {
          const key = spec.fileKey(values);
          const earlier = seenKeys.get(key);
          if (earlier !== undefined) {
            problem(line, spec.target.conflict!.join('+'), key, `repeats the key of line ${earlier}`);
            continue;
          }
          seenKeys.set(key, line);
        }
        // Once the file is known to be rejected, rows are only checked, never kept.
        if (anyProblem) continue;
        for (const value of values) out.values.push(value);
        out.values.push(request.batchId);
        out.lines.push(line);
      }
      out.bytesRead = bytesRead;
      yield out;
    }
    if (exportLines > 0 && linesWithoutInvoice === exportLines) {
      yield { ...chunk(), problemCount: 1, problems: [{ line: 1, column: '', value: '', message: `no line has an invoice number: this looks like an unbilled reconciliation export; ${UNBILLED_TODO}` }] };
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    if (!started) yield startEvent(request.format ?? 'canonical');
    const out = chunk();
    out.problemCount = 1;
    out.problems.push({ line: error.line, column: '', value: '', message: error.message });
    yield out;
    return;
  }
  if (!started) {
    yield startEvent(request.format ?? 'canonical');
    yield { ...chunk(), problemCount: 1, problems: [{ line: 0, column: '', value: '', message: 'the file is empty: it has no header row' }] };
  }
}

/** A row of bare commas, as a spreadsheet writes for rows it once formatted. */
function isBlank(fields: readonly string[]): boolean {
  for (const field of fields) if (field !== '' && field.trim() !== '') return false;
  return true;
}

/** Whether the file's first text is `{`: JSON Lines (Graph's security score), not a CSV header. */
function startsWithJsonObject(file: string): boolean {
  for (const chunk of readChunks(file, 4096)) return /^(\ufeff)?\s*\{/.test(chunk.toString('utf8'));
  return false;
}
