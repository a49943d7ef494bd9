import type { Kysely, Transaction } from 'kysely';
import type { Database, NoticeRow } from '../db/schema.js';
import type { IsoDate, Outcome } from '../domain/types.js';

type Db = Kysely<Database> | Transaction<Database>;

/** pending → sent, or → failed (retried later) → … → sent / abandoned; rejected is permanent. */
export type NoticeStatus = 'pending' | 'sent' | 'failed' | 'rejected' | 'abandoned';

export const MAX_SEND_ATTEMPTS = 10;

export interface NewNotice {
  runId: number;
  partnerId: string | null;
  audience: 'partner' | 'ops';
  kinds: Outcome[] | ['summary'];
  messageId: string;
  locale: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  createdAt: string;
}

export async function insertNotice(trx: Transaction<Database>, notice: NewNotice, decisionIds: number[]): Promise<number> {
  const inserted = await trx
    .insertInto('notices')
    .values({
      run_id: notice.runId,
      partner_id: notice.partnerId,
      audience: notice.audience,
      kinds: JSON.stringify(notice.kinds),
      message_id: notice.messageId,
      locale: notice.locale,
      mail_from: notice.from,
      mail_to: JSON.stringify(notice.to),
      mail_cc: JSON.stringify(notice.cc),
      subject: notice.subject,
      text_body: notice.text,
      html_body: notice.html,
      status: 'pending',
      attempts: 0,
      created_at: notice.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const noticeId = Number(inserted.id);
  if (decisionIds.length > 0) {
    await trx
      .insertInto('notice_decisions')
      .values(decisionIds.map((decisionId) => ({ notice_id: noticeId, decision_id: decisionId })))
      .execute();
  }
  return noticeId;
}

/** Notices waiting to go out: new ones, and failed ones whose back-off has passed. */
export async function listSendableNotices(db: Db, now: string): Promise<NoticeRow[]> {
  return db
    .selectFrom('notices')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([
          eb('status', '=', 'failed'),
          eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]),
        ]),
      ]),
    )
    .orderBy('id')
    .execute();
}

/** `note`: what went partly wrong with a send that still went out (recipients the server refused). */
export async function markSent(db: Kysely<Database>, notice: NoticeRow, sentAt: string, toldOn: IsoDate, note: string | null = null): Promise<void> {
  const record = (executor: Db) =>
    executor
      .updateTable('notices')
      .set({ status: 'sent', attempts: Number(notice.attempts) + 1, sent_at: sentAt, last_error: note, next_attempt_at: null })
      .where('id', '=', notice.id)
      .execute();
  // One statement is atomic by itself; only a renewal request also has cycles to update with it.
  if (!notice.kinds.includes('awaiting_support_renewal')) {
    await record(db);
    return;
  }
  await db.transaction().execute(async (trx) => {
    await record(trx);
    // The partner has now been told its score passed: from here the renewal deadline may bind.
    const awaitingCycles = trx
      .selectFrom('notice_decisions')
      .innerJoin('decisions', 'decisions.id', 'notice_decisions.decision_id')
      .select('decisions.cycle_id')
      .where('notice_decisions.notice_id', '=', notice.id)
      .where('decisions.outcome', '=', 'awaiting_support_renewal');
    await trx
      .updateTable('cycles')
      .set({ told_on: toldOn })
      .where('id', 'in', awaitingCycles)
      .where('told_on', 'is', null)
      .execute();
  });
}

export async function markFailed(
  db: Db,
  notice: NoticeRow,
  error: string,
  permanent: boolean,
  now: Date,
): Promise<NoticeStatus> {
  const attempts = Number(notice.attempts) + 1;
  const status: NoticeStatus = permanent ? 'rejected' : attempts >= MAX_SEND_ATTEMPTS ? 'abandoned' : 'failed';
  await db
    .updateTable('notices')
    .set({
      status,
      attempts,
      last_error: error.slice(0, 2000),
      next_attempt_at: status === 'failed' ? new Date(now.getTime() + backoffMillis(attempts)).toISOString() : null,
    })
    .where('id', '=', notice.id)
    .execute();
  return status;
}

/**
 * The first three attempts are retried by the very next run (a daily cron means a day apart);
 * after that the wait doubles from five minutes up to six hours, so a flapping server is not
 * hammered by a burst of manual runs.
 */
export function backoffMillis(attempts: number): number {
  if (attempts <= 3) return 0;
  return Math.min(5 * 60_000 * 2 ** (attempts - 4), 6 * 3600_000);
}

/**
 * Decisions no operations summary has covered yet. Normally the ones this run recorded; after a
 * run that died before its summary, that run's too, so operations hear of every decision once.
 */
export async function decisionsNotYetSummarised(db: Db): Promise<Array<{ id: number; cycleId: number; outcome: Outcome }>> {
  const rows = await db
    .selectFrom('decisions as d')
    .select(['d.id', 'd.cycle_id', 'd.outcome'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('notice_decisions as nd')
            .innerJoin('notices as n', 'n.id', 'nd.notice_id')
            .select('nd.notice_id')
            .whereRef('nd.decision_id', '=', 'd.id')
            .where('n.audience', '=', 'ops'),
        ),
      ),
    )
    .orderBy('d.id')
    .execute();
  return rows.map((row) => ({ id: Number(row.id), cycleId: Number(row.cycle_id), outcome: row.outcome as Outcome }));
}

export async function noticesOfPartner(db: Db, partnerId: string): Promise<NoticeRow[]> {
  return db.selectFrom('notices').selectAll().where('partner_id', '=', partnerId).orderBy('id').execute();
}

export function recipientsOf(notice: NoticeRow): { to: string[]; cc: string[] } {
  return { to: JSON.parse(notice.mail_to) as string[], cc: JSON.parse(notice.mail_cc) as string[] };
}
