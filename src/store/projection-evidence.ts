import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AssessmentCategory, IsoDate, RevenueEvidence } from '../domain/types.js';
import { fromMicro, toPlainString } from '../money/decimal.js';
import type { Policy } from '../policy/policy.js';
import { type ProjectionEvidence, projectionWindow } from '../rules/projection.js';
import { snapshotFromRow } from './evidence.js';

/** Partners per query: well inside both engines' limits on bound parameters. */
const PARTNERS_PER_QUERY = 500;

/**
 * What the projections of many partners read, a few queries per 500 partners rather than several
 * per partner: revenue summed by month and currency over the window before the as-of month, the
 * latest assessment and the latest security snapshot on or before the as-of date.
 */
export async function readProjectionEvidence(
  db: Kysely<Database>,
  policy: Policy,
  asOf: IsoDate,
  wanted: { revenue: readonly string[]; security: readonly string[] },
): Promise<Map<string, ProjectionEvidence>> {
  const result = new Map<string, ProjectionEvidence>();
  const entry = (partnerId: string) => {
    const found = result.get(partnerId) ?? {};
    result.set(partnerId, found);
    return found;
  };
  if (wanted.revenue.length > 0) {
    const window = projectionWindow(asOf, policy);
    const shared = await feedState(db, window.months);
    for (const ids of chunks(wanted.revenue)) {
      const revenue = await revenueOf(db, ids, window, shared);
      const assessments = await assessmentsOf(db, ids, asOf);
      for (const id of ids) Object.assign(entry(id), { revenue: revenue.get(id)!, assessment: assessments.get(id) ?? [] });
    }
  }
  for (const ids of chunks(wanted.security)) {
    const rows = await db
      .selectFrom('security_snapshots')
      .leftJoin('import_batches', 'import_batches.id', 'security_snapshots.batch_id')
      .selectAll('security_snapshots')
      .select('import_batches.file_name')
      .where('security_snapshots.partner_id', 'in', ids)
      .where('security_snapshots.as_of', '=', (eb) =>
        eb
          .selectFrom('security_snapshots as latest')
          .select((inner) => inner.fn.max('latest.as_of').as('as_of'))
          .whereRef('latest.partner_id', '=', 'security_snapshots.partner_id')
          .where('latest.as_of', '<=', asOf),
      )
      .execute();
    for (const id of ids) entry(id).security = null;
    for (const row of rows) entry(row.partner_id).security = snapshotFromRow(row);
  }
  return result;
}

interface FeedState {
  reachesEnd: boolean;
  latest: string | null;
  fxRates: Record<string, string>;
}

/** What is the same for every partner: whether the feed has caught up, its latest month, the rates. */
async function feedState(db: Kysely<Database>, months: string[]): Promise<FeedState> {
  const lastMonth = months[months.length - 1]!;
  const [end, latest, rates] = await Promise.all([
    db.selectFrom('revenue_totals').select('month').where('month', '=', lastMonth).limit(1).executeTakeFirst(),
    db.selectFrom('revenue_totals').select(sql<string | null>`max(month)`.as('latest')).executeTakeFirst(),
    db.selectFrom('fx_rates').select(['currency', 'month', 'usd_per_unit']).where('month', 'in', months).execute(),
  ]);
  const fxRates: Record<string, string> = {};
  for (const rate of rates) fxRates[`${rate.currency}:${rate.month}`] = rate.usd_per_unit;
  return { reachesEnd: end !== undefined, latest: latest?.latest ?? null, fxRates };
}

async function revenueOf(db: Kysely<Database>, ids: string[], window: RevenueEvidence['window'], feed: FeedState): Promise<Map<string, RevenueEvidence>> {
  const rows = await db
    .selectFrom('revenue_totals')
    .select(['partner_id', 'currency', 'month', sql<string>`cast(amount_micro as text)`.as('amount_micro'), sql<string>`cast(lines as text)`.as('lines')])
    .where('partner_id', 'in', ids)
    .where('month', '>=', window.months[0]!)
    .where('month', '<=', window.months[window.months.length - 1]!)
    .orderBy('partner_id')
    .orderBy('month')
    .orderBy('currency')
    .execute();
  const byPartner = new Map<string, RevenueEvidence>(
    ids.map((id) => [id, { window, feedReachesWindowEnd: feed.reachesEnd, latestRevenueMonth: feed.latest, groups: [], fxRates: {} }]),
  );
  for (const row of rows) {
    const evidence = byPartner.get(row.partner_id)!;
    evidence.groups.push({ month: row.month, currency: row.currency, amount: toPlainString(fromMicro(BigInt(row.amount_micro)), 6), lines: Number(row.lines) });
    const key = `${row.currency}:${row.month}`;
    if (feed.fxRates[key] !== undefined) evidence.fxRates[key] = feed.fxRates[key];
  }
  return byPartner;
}

async function assessmentsOf(db: Kysely<Database>, ids: string[], asOf: IsoDate): Promise<Map<string, NonNullable<ProjectionEvidence['assessment']>>> {
  const rows = await db
    .selectFrom('assessments')
    .select(['partner_id', 'assessed_on', 'category', 'capability', 'score'])
    .where('partner_id', 'in', ids)
    .where('assessed_on', '=', (eb) =>
      eb
        .selectFrom('assessments as latest')
        .select((inner) => inner.fn.max('latest.assessed_on').as('assessed_on'))
        .whereRef('latest.partner_id', '=', 'assessments.partner_id')
        .where('latest.assessed_on', '<=', asOf),
    )
    .orderBy('partner_id')
    .orderBy('category')
    .orderBy('capability')
    .execute();
  const byPartner = new Map<string, NonNullable<ProjectionEvidence['assessment']>>();
  for (const row of rows) {
    const lines = byPartner.get(row.partner_id) ?? [];
    lines.push({ assessedOn: row.assessed_on, category: row.category as AssessmentCategory, capability: row.capability, score: row.score });
    byPartner.set(row.partner_id, lines);
  }
  return byPartner;
}

function* chunks(ids: readonly string[]): Generator<string[]> {
  for (let first = 0; first < ids.length; first += PARTNERS_PER_QUERY) yield ids.slice(first, first + PARTNERS_PER_QUERY);
}
