import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely, Transaction } from 'kysely';
import { rawQuery } from '../db/raw-sql.js';
import { retryWhileBusy } from '../db/retry.js';
import type { Store } from '../db/database.js';
import type { Database, NoticeRow, SendableNotice } from '../db/schema.js';
import type { IsoDate, MailMessage, NoticeKind, Outcome } from '../domain/types.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * pending → sent, or → failed (retried later) → … → sent / abandoned; rejected is permanent;
 * superseded: replaced by an override's correction before it went out, never sent.
 */
export type NoticeStatus = 'pending' | 'sent' | 'failed' | 'rejected' | 'abandoned' | 'superseded';

export const MAX_SEND_ATTEMPTS = 10;

export interface NewNotice extends MailMessage {
  runId: number;
  partnerId: string | null;
  audience: 'partner' | 'ops';
  kinds: NoticeKind[] | ['summary'] | ['correction'];
  locale: string;
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
      status: 'pending',
      attempts: 0,
      created_at: notice.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const noticeId = Number(inserted.id);
  await trx.insertInto('notice_bodies').values({ notice_id: noticeId, text_body: notice.text, html_body: notice.html }).execute();
  if (decisionIds.length > 0) {
    await trx
      .insertInto('notice_decisions')
      .values(decisionIds.map((decisionId) => ({ notice_id: noticeId, decision_id: decisionId })))
      .execute();
  }
  return noticeId;
}

/** Notices waiting to go out: new ones, and failed ones whose back-off has passed. */
export async function listSendableNotices(db: Db, now: string): Promise<SendableNotice[]> {
  return sendable(db)
    .where((eb) =>
      eb.or([
        eb('status', '=', 'pending'),
        eb.and([
          eb('status', '=', 'failed'),
          eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]),
        ]),
      ]),
    )
    .orderBy('notices.id')
    .execute();
}

/** Notices still to go out: never sent, or failed and to be tried again (now or after their back-off). */
export async function countWaitingNotices(db: Db): Promise<number> {
  const row = await db.selectFrom('notices').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', 'in', ['pending', 'failed']).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findSendableNotice(db: Db, noticeId: number): Promise<SendableNotice> {
  return sendable(db).where('notices.id', '=', noticeId).executeTakeFirstOrThrow();
}

function sendable(db: Db) {
  return db
    .selectFrom('notices')
    .innerJoin('notice_bodies', 'notice_bodies.notice_id', 'notices.id')
    .selectAll('notices')
    .select(['notice_bodies.text_body', 'notice_bodies.html_body']);
}

export interface SentNotice {
  notice: NoticeRow;
  sentAt: string;
  /** What went partly wrong with a send that still went out (recipients the server refused). */
  note: string | null;
}

const RECORD_SENT = "UPDATE notices SET status = 'sent', attempts = ?, sent_at = ?, last_error = ?, next_attempt_at = NULL WHERE id = ?";
/** The partner has now been told its score passed: from here the renewal deadline may bind. */
const STAMP_TOLD = `UPDATE cycles SET told_on = ? WHERE told_on IS NULL AND id IN (
  SELECT d.cycle_id FROM notice_decisions nd JOIN decisions d ON d.id = nd.decision_id
  WHERE nd.notice_id = ? AND d.outcome = 'awaiting_support_renewal')`;

/** How sends are grouped into one commit: at most `size` of them, none waiting longer than `waitMs`. */
export interface RecordGrouping {
  size: number;
  waitMs: number;
}

/**
 * Records sends as they finish, a few to a transaction: a batch is written once `size` sends wait
 * for it, or `waitMs` after the first of them finished, whichever comes first, because each commit
 * rewrites whole pages of the notices table. The wait is what a crash could add to the sends that
 * went out unrecorded (and would go again with the next run). This runs once per notice sent, so the
 * statements are plain SQL (prepared once on SQLite) rather than built by the query builder.
 */
export function sentRecorder(store: Pick<Store, 'db' | 'sqlite'>, toldOn: IsoDate, grouping: RecordGrouping): (sent: SentNotice) => Promise<void> {
  const writeBatch = store.sqlite ? sqliteBatchWriter(store.sqlite, toldOn) : postgresBatchWriter(store.db, toldOn);
  let queue: Array<SentNotice & { done: (error?: unknown) => void }> = [];
  let writing: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const writeBatches = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    // Sends that finish while a batch is being written (PostgreSQL) go into the next one.
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        // The server has accepted these messages: their record waits as long as the database makes it.
        await retryWhileBusy(() => writeBatch(batch));
        for (const sent of batch) sent.done();
      } catch (error) {
        for (const sent of batch) sent.done(error);
      }
    }
    writing = null;
  };
  const startWriting = () => {
    writing ??= writeBatches();
  };
  return (sent) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ ...sent, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (writing) return;
      if (queue.length >= grouping.size) startWriting();
      else timer ??= setTimeout(startWriting, grouping.waitMs);
    });
}

const sentParams = ({ notice, sentAt, note }: SentNotice) => [Number(notice.attempts) + 1, sentAt, note, notice.id];
const askedToRenew = (notice: NoticeRow) => notice.kinds.includes('awaiting_support_renewal');

/** Synchronous, so nothing else can run on the connection in the middle of the transaction. */
function sqliteBatchWriter(sqlite: BetterSqlite3.Database, toldOn: IsoDate): (batch: SentNotice[]) => Promise<void> {
  const recordSent = sqlite.prepare(RECORD_SENT);
  const stampTold = sqlite.prepare(STAMP_TOLD);
  const write = sqlite.transaction((batch: SentNotice[]) => {
    for (const sent of batch) {
      recordSent.run(...sentParams(sent));
      if (askedToRenew(sent.notice)) stampTold.run(toldOn, sent.notice.id);
    }
  });
  return async (batch) => write.immediate(batch);
}

function postgresBatchWriter(db: Kysely<Database>, toldOn: IsoDate): (batch: SentNotice[]) => Promise<void> {
  return (batch) =>
    db.transaction().execute(async (trx) => {
      for (const sent of batch) {
        await trx.executeQuery(rawQuery('postgres', RECORD_SENT, sentParams(sent)));
        if (askedToRenew(sent.notice)) await trx.executeQuery(rawQuery('postgres', STAMP_TOLD, [toldOn, sent.notice.id]));
      }
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

/** Which decisions each of a partner's notices told it of. */
export async function noticeDecisionsOfPartner(db: Db, partnerId: string): Promise<Array<{ noticeId: number; decisionId: number }>> {
  const rows = await db
    .selectFrom('notice_decisions')
    .innerJoin('notices', 'notices.id', 'notice_decisions.notice_id')
    .select(['notice_decisions.notice_id', 'notice_decisions.decision_id'])
    .where('notices.partner_id', '=', partnerId)
    .execute();
  return rows.map((row) => ({ noticeId: Number(row.notice_id), decisionId: Number(row.decision_id) }));
}

export function recipientsOf(notice: NoticeRow): { to: string[]; cc: string[] } {
  return { to: JSON.parse(notice.mail_to) as string[], cc: JSON.parse(notice.mail_cc) as string[] };
}
