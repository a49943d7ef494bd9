import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/import/progress.js';

describe('import progress', () => {
  it('draws one self-overwriting line on a terminal, at most every quarter second', () => {
    let written = '';
    const stream = { write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream;
    let clock = 0;
    const progress = createProgress(stream, 'revenue.csv', 1000, () => clock);
    clock = 300;
    progress.update(12_345, 500);
    clock = 400;
    progress.update(20_000, 700);
    clock = 1000;
    progress.update(40_000, 1000);
    progress.done();
    const frames = written.split('\r\x1b[K').filter(Boolean);
    expect(frames).toEqual(['revenue.csv: 12,345 rows, 50% read, 41,150 rows/s', 'revenue.csv: 40,000 rows, 100% read, 40,000 rows/s']);
    expect(written.endsWith('\r\x1b[K')).toBe(true);
  });
});
