import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGraphSecurityScore } from '../../src/import/graph-reader.js';
import { LISTED_PROBLEMS, type ReadEvent } from '../../src/import/row-reader.js';
import { scoreLine } from '../helpers/graph-security-score.js';
import { useTempDir } from '../helpers/temp-store.js';

type Rows = Extract<ReadEvent, { type: 'rows' }>;

/** The tenant GUID numbered `n`. */
const tenant = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('readGraphSecurityScore', () => {
  const temp = useTempDir();

  /** Every event of reading `content`, the start event first. */
  async function read(content: string | Buffer): Promise<{ start: ReadEvent; rows: Rows }> {
    const file = path.join(temp.dir, 'security-score.jsonl');
    writeFileSync(file, content);
    const all: ReadEvent[] = [];
    for await (const event of readGraphSecurityScore({ file, kind: 'security', encoding: 'auto', batchId: 42 })) all.push(event);
    const rows = all.slice(1) as Rows[];
    // The events after the start add up to one: the tests look at the sum.
    return {
      start: all[0]!,
      rows: rows.reduce((sum, event) => ({
        ...sum,
        values: [...sum.values, ...event.values],
        lines: [...sum.lines, ...event.lines],
        problems: [...sum.problems, ...event.problems],
        problemCount: sum.problemCount + event.problemCount,
        rowsRead: sum.rowsRead + event.rowsRead,
        bytesRead: Math.max(sum.bytesRead, event.bytesRead),
      })),
    };
  }

  it('reads one tenant a line, a BOM, CRLF and blank lines allowed, each row ending with the batch id', async () => {
    const content = `\ufeff${scoreLine(tenant(1))}\r\n\r\n${scoreLine(tenant(2))}\n   \n${scoreLine(tenant(3))}`;
    const { start, rows } = await read(content);
    expect(start).toEqual({ type: 'start', encoding: 'utf8', format: 'graph-security-score' });
    expect(rows.problemCount).toBe(0);
    expect(rows.rowsRead).toBe(3);
    expect(rows.lines).toEqual([1, 3, 5]);
    expect(rows.values).toHaveLength(3 * rows.width);
    for (let i = 0; i < 3; i++) {
      expect(rows.values[i * rows.width]).toMatchObject({ tenantId: tenant(i + 1) });
      expect(rows.values[(i + 1) * rows.width - 1]).toBe(42);
    }
    expect(rows.bytesRead).toBe(Buffer.byteLength(content));
  });

  it('refuses a tenant given twice, naming the line it first came on, and keeps no row once one line is bad', async () => {
    const { rows } = await read(`${scoreLine(tenant(1))}\n${scoreLine(tenant(2))}\n${scoreLine(tenant(1))}\n${scoreLine(tenant(3))}\n`);
    expect(rows.problems).toEqual([{ line: 3, column: 'tenantId', value: tenant(1), message: 'repeats the tenant of line 1' }]);
    expect(rows.lines).not.toContain(4);
  });

  it('refuses a line that is not UTF-8, and goes on checking the rest', async () => {
    const { rows } = await read(Buffer.concat([Buffer.from(`${scoreLine(tenant(1))}\n`), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('not json\n')]));
    expect(rows.problemCount).toBe(2);
    expect(rows.problems[0]).toEqual({ line: 2, column: '', value: '', message: 'is not valid UTF-8: Graph answers in UTF-8; save the file as UTF-8' });
    expect(rows.problems[1]!.line).toBe(3);
  });

  it('counts every bad line but lists no more than the limit', async () => {
    const { rows } = await read('{}\n'.repeat(LISTED_PROBLEMS + 5));
    expect(rows.problemCount).toBe(LISTED_PROBLEMS + 5);
    expect(rows.problems).toHaveLength(LISTED_PROBLEMS);
    expect(rows.values).toEqual([]);
  });

  it('refuses a file without a single tenant score', async () => {
    for (const content of ['', '\n\r\n  \n', '\ufeff']) {
      const { rows } = await read(content);
      expect(rows.problems).toEqual([{ line: 0, column: '', value: '', message: 'the file is empty: it has no line with a tenant score' }]);
    }
  });
});
