import { ImportRejected, type RowProblem } from '../errors.js';
import { LISTED_PROBLEMS, type LineProblem } from './row-reader.js';

/** The problems of one file: every one counted, the first few listed with line, column and value. */
export class ProblemList {
  readonly listed: RowProblem[] = [];
  total = 0;
  constructor(private readonly file: string) {}

  add(line: number, column: string, value: string, message: string): void {
    this.total++;
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ file: this.file, line, column, value, message });
  }

  addAll(problems: LineProblem[], count: number): void {
    for (const p of problems) if (this.listed.length < LISTED_PROBLEMS) this.listed.push({ file: this.file, ...p });
    this.total += count;
  }

  rejection(): ImportRejected {
    return new ImportRejected(this.file, this.listed, this.total);
  }
}
