import type { ImportTx } from '../../db/bulk-transaction.js';
import type { ImportSession } from '../invoices.js';
import type { KindSpec } from '../kinds.js';
import type { ImportSummary } from '../summary.js';
import { partnerCenterHooks } from './partner-center.js';
import { partnerHooks } from './partners.js';
import { revenueHooks, withRevenueTotals } from './revenue.js';
import { securityScoreHooks } from './security-score.js';

export interface KindHooks {
  /** False drops the row at `offset` (counted by the hook); may rewrite its values in place. */
  accept?(values: unknown[], offset: number, line: number): boolean;
  /** Sees every row about to be written, `rows` rows of `width` values, in one call per batch. */
  observe?(values: unknown[], rows: number, width: number): void;
  beforeWrite?(): Promise<void>;
  afterWrite?(values: unknown[], lines: number[]): Promise<void>;
  beforeFinish?(): Promise<void>;
  /** Rows of earlier imports this file removed (Partner Center invoices it replaces). */
  removed?(): number;
  /** Rows the hooks wrote themselves (every `accept` said no, to combine rows first). */
  written?(): number;
}

/** A place to add a problem found while writing, naming the line, column and value. */
export interface ProblemSink {
  add(line: number, column: string, value: string, message: string): void;
}

/** What the import of one file of `spec` does beside writing its rows. */
export async function hooksFor(tx: ImportTx, spec: KindSpec, session: ImportSession, summary: ImportSummary, problems: ProblemSink): Promise<KindHooks> {
  if (spec.kind === 'partners') return partnerHooks(tx, problems);
  if (spec.format === 'graph-security-score') return securityScoreHooks(tx, spec, summary);
  if (spec.kind !== 'revenue') return {};
  if (spec.format === 'partner-center') {
    const source = await partnerCenterHooks(tx, session, summary);
    return withRevenueTotals(tx, summary, () => source);
  }
  return withRevenueTotals(tx, summary, (totals) => revenueHooks(tx, summary, totals));
}
