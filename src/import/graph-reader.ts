import { readChunks } from './csv-source.js';
import { LISTED_PROBLEMS, type LineProblem, type ReadEvent, type ReadRequest } from './row-reader.js';
import { GRAPH_SECURITY_SCORE } from './kinds.js';
import { LineError } from '../errors.js';
import { readTenantScore } from './graph-security-score.js';

const ROWS_PER_EVENT = 1000;
const LF = 0x0a;

/**
 * Reads Microsoft Graph's partner security score as JSON Lines (UTF-8, a BOM and CRLF line ends
 * allowed, blank lines skipped): each line becomes one tenant's score, checked whole. A row carries
 * the score first, the batch id last; the import combines a partner's tenants before writing.
 */
export async function* readGraphSecurityScore(request: ReadRequest): AsyncGenerator<ReadEvent> {
  yield { type: 'start', encoding: 'utf8', format: 'graph-security-score' };
  const width = GRAPH_SECURITY_SCORE.target.columns.length;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tenants = new Map<string, number>();
  let out = emptyEvent(width);
  let problems = 0;
  let bytesRead = 0;
  let lines = 0;
  const problem = (line: number, p: { column: string; value: string; message: string }) => {
    out.problemCount++;
    if (problems++ < LISTED_PROBLEMS) out.problems.push({ line, ...p });
  };
  const readLine = (bytes: Buffer, line: number) => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      problem(line, { column: '', value: '', message: 'is not valid UTF-8: Graph answers in UTF-8; save the file as UTF-8' });
      return;
    }
    if (line === 1) text = text.replace(/^\ufeff/, '');
    if (text.trim() === '') return;
    out.rowsRead++;
    try {
      const score = readTenantScore(text, line);
      const earlier = tenants.get(score.tenantId);
      if (earlier !== undefined) {
        problem(line, { column: 'tenantId', value: score.tenantId, message: `repeats the tenant of line ${earlier}` });
        return;
      }
      tenants.set(score.tenantId, line);
      // Once the file is known to be rejected, lines are only checked, never kept.
      if (problems > 0) return;
      out.values.push(score, ...new Array<null>(width - 2).fill(null), request.batchId);
      out.lines.push(line);
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problem(line, error.problem);
    }
  };

  let carry: Buffer = Buffer.alloc(0);
  for (const chunk of readChunks(request.file)) {
    bytesRead += chunk.length;
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(LF); end >= 0; end = bytes.indexOf(LF, start)) {
      readLine(withoutCr(bytes.subarray(start, end)), ++lines);
      start = end + 1;
    }
    carry = Buffer.from(bytes.subarray(start));
    if (out.lines.length >= ROWS_PER_EVENT || out.problemCount > 0) {
      yield { ...out, bytesRead };
      out = emptyEvent(width);
    }
  }
  if (carry.length > 0) readLine(withoutCr(carry), ++lines);
  if (tenants.size === 0 && problems === 0) problem(0, { column: '', value: '', message: 'the file is empty: it has no line with a tenant score' });
  yield { ...out, bytesRead };
}

function emptyEvent(width: number): Extract<ReadEvent, { type: 'rows' }> {
  return { type: 'rows', values: [], width, lines: [] as number[], problems: [] as LineProblem[], problemCount: 0, rowsRead: 0, emptyRows: 0, bytesRead: 0 };
}

function withoutCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
