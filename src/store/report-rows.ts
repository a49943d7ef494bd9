import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Every recorded cycle (of one month, when given) with its partner and latest decision, in the report's order. */
export function listCycleReportRows(db: Kysely<Database>, cycle?: string) {
  let query = db
    .selectFrom('cycles')
    .innerJoin('partners', 'partners.partner_id', 'cycles.partner_id')
    .leftJoin('decisions', 'decisions.id', 'cycles.last_decision_id')
    .select([
      'cycles.id as cycle_id',
      'cycles.partner_id',
      'partners.partner_name',
      'cycles.trigger',
      'cycles.cycle',
      'cycles.outcome',
      'cycles.final',
      'cycles.decided_on',
      'cycles.reapply_eligible_on',
      'cycles.deadline',
      'cycles.last_decision_id',
      'decisions.policy_version',
      'decisions.checks',
    ])
    .orderBy('cycles.cycle')
    .orderBy('cycles.partner_id')
    .orderBy('cycles.trigger');
  if (cycle) query = query.where('cycles.cycle', '=', cycle);
  return query.execute();
}

/** Each notice with every decision it covers (of one month, when given), in the order they were written. */
export function listReportNoticeLinks(db: Kysely<Database>, cycle?: string) {
  let noticeQuery = db
    .selectFrom('notices')
    .innerJoin('notice_decisions', 'notice_decisions.notice_id', 'notices.id')
    .innerJoin('decisions', 'decisions.id', 'notice_decisions.decision_id')
    .leftJoin('partners', 'partners.partner_id', 'notices.partner_id')
    .select([
      'decisions.cycle_id',
      'decisions.cycle',
      'decisions.trigger',
      'notices.audience',
      'notices.partner_id',
      'partners.partner_name',
      'notices.id',
      'notices.kinds',
      'notices.status',
      'notices.attempts',
      'notices.sent_at',
      'notices.last_error',
    ])
    .orderBy('notices.id');
  if (cycle) noticeQuery = noticeQuery.where('decisions.cycle', '=', cycle);
  return noticeQuery.execute();
}
