import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, SecuritySnapshotsTable } from '../db/schema.js';
import type {
  AssessmentCategory,
  AssessmentLine,
  CycleRef,
  Evidence,
  GraphSecuritySnapshot,
  IsoDate,
  PriorState,
  RevenueEvidence,
  SecuritySnapshot,
  SupportTerm,
} from '../domain/types.js';
import { fromMicro, toPlainString } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { ttmWindow } from '../rules/months.js';
import { loadPriorState } from './cycles.js';

/**
 * Reads what the rules need for one cycle. Revenue comes summed by the database: one row per
 * month and currency of the window from revenue_totals, as exact integer text.
 */
export class EvidenceReader {
  private readonly feedReaches = new Map<string, boolean>();
  private latestRevenueMonth: string | null | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: Policy,
    private readonly asOf: IsoDate,
  ) {}

  async read(cycle: CycleRef, supportTerms: SupportTerm[]): Promise<Evidence> {
    const prior = await loadPriorState(this.db, cycle);
    if (cycle.trigger === 'renewal') {
      const [revenue, assessment] = await Promise.all([this.revenue(cycle), this.assessment(cycle.partnerId)]);
      return { supportTerms, revenue, assessment, prior };
    }
    return { supportTerms, security: await this.security(cycle.partnerId), prior };
  }

  async revenue(cycle: CycleRef): Promise<RevenueEvidence> {
    const window = ttmWindow(cycle.cycle, this.policy.revenue.windowMonths);
    const rows = await this.db
      .selectFrom('revenue_totals')
      .select([
        'currency',
        'month',
        sql<string>`cast(amount_micro as text)`.as('amount_micro'),
        sql<string>`cast(lines as text)`.as('lines'),
      ])
      .where('partner_id', '=', cycle.partnerId)
      .where('month', '>=', window.months[0]!)
      .where('month', '<=', window.months[window.months.length - 1]!)
      .orderBy('month')
      .orderBy('currency')
      .execute();
    const groups = rows.map((row) => ({
      month: row.month,
      currency: row.currency,
      amount: toPlainString(fromMicro(BigInt(row.amount_micro)), 6),
      lines: Number(row.lines),
    }));
    const currencies = [...new Set(groups.map((group) => group.currency).filter((c) => c !== 'USD'))];
    const fxRates: Record<string, string> = {};
    if (currencies.length > 0) {
      const rates = await this.db
        .selectFrom('fx_rates')
        .select(['currency', 'month', 'usd_per_unit'])
        .where('currency', 'in', currencies)
        .where('month', 'in', window.months)
        .execute();
      for (const rate of rates) fxRates[`${rate.currency}:${rate.month}`] = rate.usd_per_unit;
    }
    const lastMonth = window.months[window.months.length - 1]!;
    return {
      window,
      feedReachesWindowEnd: await this.anyRevenueIn(lastMonth),
      latestRevenueMonth: await this.latestMonth(),
      groups,
      fxRates,
    };
  }

  async assessment(partnerId: string): Promise<AssessmentLine[]> {
    const latest = await this.db
      .selectFrom('assessments')
      .select(sql<string | null>`max(assessed_on)`.as('assessed_on'))
      .where('partner_id', '=', partnerId)
      .where('assessed_on', '<=', this.asOf)
      .executeTakeFirst();
    if (!latest?.assessed_on) return [];
    const rows = await this.db
      .selectFrom('assessments')
      .select(['assessed_on', 'category', 'capability', 'score'])
      .where('partner_id', '=', partnerId)
      .where('assessed_on', '=', latest.assessed_on)
      .orderBy('category')
      .orderBy('capability')
      .execute();
    return rows.map((row) => ({
      assessedOn: row.assessed_on,
      category: row.category as AssessmentCategory,
      capability: row.capability,
      score: row.score,
    }));
  }

  async security(partnerId: string): Promise<SecuritySnapshot | GraphSecuritySnapshot | null> {
    const row = await this.db
      .selectFrom('security_snapshots')
      .leftJoin('import_batches', 'import_batches.id', 'security_snapshots.batch_id')
      .selectAll('security_snapshots')
      .select('import_batches.file_name')
      .where('security_snapshots.partner_id', '=', partnerId)
      .where('security_snapshots.as_of', '<=', this.asOf)
      .orderBy('security_snapshots.as_of', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? snapshotFromRow(row) : null;
  }

  private async anyRevenueIn(month: string): Promise<boolean> {
    const cached = this.feedReaches.get(month);
    if (cached !== undefined) return cached;
    const row = await this.db.selectFrom('revenue_totals').select('month').where('month', '=', month).limit(1).executeTakeFirst();
    this.feedReaches.set(month, row !== undefined);
    return row !== undefined;
  }

  /** The latest month any revenue is dated in, as `YYYY-MM`, for the operator's message. */
  private async latestMonth(): Promise<string | null> {
    if (this.latestRevenueMonth === undefined) {
      const row = await this.db
        .selectFrom('revenue_totals')
        .select(sql<string | null>`max(month)`.as('latest'))
        .executeTakeFirst();
      this.latestRevenueMonth = row?.latest ?? null;
    }
    return this.latestRevenueMonth;
  }
}

type SnapshotRow = Selectable<SecuritySnapshotsTable> & { file_name: string | null };

/** A stored snapshot as the rules read it, whichever its source. */
export function snapshotFromRow(row: SnapshotRow): SecuritySnapshot | GraphSecuritySnapshot {
  const count = (value: number | string | null) => (value === null ? null : Number(value));
  const sourceFile = row.file_name ?? null;
  if (row.source === 'graph-security-score') {
    const details = JSON.parse(row.details ?? '{}') as Partial<Pick<GraphSecuritySnapshot, 'unknown' | 'tenants'>>;
    return {
      source: 'graph-security-score',
      sourceFile,
      asOf: row.as_of,
      adminUsers: count(row.admin_users),
      adminUsersWithMfa: count(row.admin_users_with_mfa),
      contactStatus: row.contact_status === 'compliant' || row.contact_status === 'nonCompliant' ? row.contact_status : null,
      averageResponseHours: row.average_response_hours,
      unknown: details.unknown ?? {},
      tenants: details.tenants ?? [],
    };
  }
  return {
    source: 'csv',
    sourceFile,
    asOf: row.as_of,
    adminUsers: Number(row.admin_users),
    adminUsersWithMfa: Number(row.admin_users_with_mfa),
    securityContact: row.security_contact || null,
    alertsTotal: Number(row.alerts_total),
    alertsRespondedInTime: Number(row.alerts_responded_in_time),
  };
}

export type { PriorState };
