import { ImportRejected } from '../errors.js';
import { combineTenants, type TenantScore } from './graph-security-score.js';
import { type ImportSession, partnerCenterHooks } from './invoices.js';
import { type KindSpec, PARTNERS, type TableSpec } from './kinds.js';
import { type ImportSummary, LISTED_UNMATCHED } from './summary.js';
import { RevenueTotals, TOTALS_WIDTH } from './totals.js';
import type { ImportTx } from '../db/bulk-transaction.js';

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
  const totals = new RevenueTotals();
  const source = spec.format === 'partner-center' ? await partnerCenterHooks(tx, session, summary) : await revenueHooks(tx, summary, totals);
  return {
    ...source,
    observe(values, rows, width) {
      source.observe?.(values, rows, width);
      totals.addRows(values, rows, width);
    },
    async beforeFinish() {
      await source.beforeFinish?.();
      await writeTotals(tx, summary.file, totals.rows());
    },
  };
}

const TOTALS_TARGET: TableSpec = {
  table: 'revenue_totals',
  columns: ['partner_id', 'month', 'currency', 'amount_micro', 'lines'],
  conflict: ['partner_id', 'month', 'currency'],
  onConflict: { amount_micro: 'revenue_totals.amount_micro + excluded.amount_micro', lines: 'revenue_totals.lines + excluded.lines' },
};

/**
 * Writes what the imported lines add to revenue_totals (the triggers on revenue_lines take out what
 * upserts and deletes remove). A sum beyond 64 bits refuses the file, naming where it overflows.
 */
async function writeTotals(tx: ImportTx, file: string, values: unknown[]): Promise<void> {
  // A sum kept as a number is a safe integer; only one kept as BigInt can be too large.
  for (let offset = 0; offset < values.length; offset += TOTALS_WIDTH) {
    const total = values[offset + 3];
    if (typeof total === 'bigint' && (total > INT64_MAX || total < -INT64_MAX)) throw totalTooLarge(file, values[offset] as string, values[offset + 1] as string, values[offset + 2] as string);
  }
  try {
    if (values.length > 0) await tx.insertRows(TOTALS_TARGET, values);
  } catch (error) {
    // PostgreSQL refuses a bigint that overflows: numeric_value_out_of_range.
    if ((error as { code?: string }).code === '22003') throw totalTooLarge(file, 'one of the partners', 'a month', 'one currency');
    throw error;
  }
  // SQLite does not refuse an overflowing sum: it turns it into an inexact floating-point number.
  if (tx.engine === 'sqlite') {
    const [inexact] = await tx.all<{ partner_id: string; month: string; currency: string }>(
      "SELECT partner_id, month, currency FROM revenue_totals WHERE typeof(amount_micro) <> 'integer' LIMIT 1",
    );
    if (inexact) throw totalTooLarge(file, inexact.partner_id, inexact.month, inexact.currency);
  }
  await tx.run('DELETE FROM revenue_totals WHERE lines = 0');
}

const INT64_MAX = 2n ** 63n - 1n;

/** A month's revenue too large to keep exact in 64-bit micro-units (about 9.2 trillion of a currency). */
function totalTooLarge(file: string, partnerId: string, month: string, currency: string): ImportRejected {
  return new ImportRejected(file, [
    {
      file,
      line: 0,
      column: '',
      value: '',
      message: `the revenue of ${partnerId} dated in ${month} in ${currency} would add up to more than 9,223,372,036,854 units, which cannot be kept exact; check the amounts`,
    },
  ], 1);
}

/**
 * Canonical revenue: rows for partners not (yet) imported are kept, and counted in a warning. The
 * partners are checked once each, from the sums, at the end, rather than once per line.
 */
async function revenueHooks(tx: ImportTx, summary: ImportSummary, totals: RevenueTotals): Promise<KindHooks> {
  const known = new Set((await tx.all<{ partner_id: string }>('SELECT partner_id FROM partners')).map((row) => row.partner_id));
  return {
    async beforeFinish() {
      const unknown = totals.partnerIds().filter((partnerId) => !known.has(partnerId));
      summary.warnings = unknown.length === 0 ? [] : [`${unknown.length} partner id(s) are not in the partners file: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`];
    },
  };
}

/** Partners: their tenant and location ids become the aliases Partner Center lines are matched by. */
async function partnerHooks(tx: ImportTx, problems: ProblemSink): Promise<KindHooks> {
  const width = PARTNERS.target.columns.length;
  return {
    async afterWrite(values, lines) {
      for (let row = 0; row < lines.length; row++) {
        const [partnerId, , , , , , , tenants, locations] = values.slice(row * width, (row + 1) * width) as string[];
        await tx.run('DELETE FROM partner_aliases WHERE partner_id = ?', [partnerId]);
        const wanted = [
          ...split(tenants!).map((alias) => ({ kind: 'tenant', column: 'tenant_ids', alias })),
          ...split(locations!).map((alias) => ({ kind: 'location', column: 'location_ids', alias })),
        ];
        for (const { kind, column, alias } of wanted) {
          const [owner] = await tx.all<{ partner_id: string }>('SELECT partner_id FROM partner_aliases WHERE alias_kind = ? AND alias = ?', [kind, alias]);
          if (owner && owner.partner_id !== partnerId) {
            problems.add(lines[row]!, column, alias, `is already listed for partner ${owner.partner_id}`);
            continue;
          }
          if (!owner) await tx.run('INSERT INTO partner_aliases (alias_kind, alias, partner_id) VALUES (?, ?, ?)', [kind, alias, partnerId]);
        }
      }
    },
  };
}

function split(list: string): string[] {
  return list === '' ? [] : list.split(';');
}

/**
 * Graph's security score: a tenant's partner is found through the partners file's tenant_ids (a
 * tenant no partner lists is counted and listed, not imported), and a partner's tenants are
 * combined into one snapshot, written once the whole file is read.
 */
async function securityScoreHooks(tx: ImportTx, spec: KindSpec, summary: ImportSummary): Promise<KindHooks> {
  const tenants = await tx.all<{ alias: string; partner_id: string }>("SELECT alias, partner_id FROM partner_aliases WHERE alias_kind = 'tenant'");
  const partnerOf = new Map(tenants.map((row) => [row.alias, row.partner_id]));
  const byPartner = new Map<string, TenantScore[]>();
  let written = 0;
  return {
    accept(values, offset, line) {
      const score = values[offset] as TenantScore;
      const partnerId = partnerOf.get(score.tenantId);
      if (partnerId === undefined) {
        summary.skipped++;
        if (summary.unmatched.length < LISTED_UNMATCHED) summary.unmatched.push({ line, mpnId: null, tenantId: score.tenantId });
      } else {
        byPartner.set(partnerId, [...(byPartner.get(partnerId) ?? []), score]);
      }
      return false;
    },
    async beforeFinish() {
      const batchId = summary.batchId;
      const rows = [...byPartner].flatMap(([partnerId, scores]) => {
        const combined = combineTenants(scores);
        return [
          partnerId, combined.asOf, combined.adminUsers, combined.adminUsersWithMfa, null, null, null,
          'graph-security-score', combined.contactStatus, combined.averageResponseHours, JSON.stringify(combined.details), batchId,
        ];
      });
      if (rows.length > 0) await tx.insertRows(spec.target, rows);
      written = byPartner.size;
    },
    written: () => written,
  };
}
