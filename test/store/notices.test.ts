import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { findSendableNotice, insertNotice, sentRecorder } from '../../src/store/notices.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';

/**
 * Sends are recorded a few to a transaction: a batch is written when `size` sends wait for it, or
 * `waitMs` after the first of them, and every send's promise settles only once its record is in.
 */
describe.each(ENGINES)('recording sent notices (%s)', (engine) => {
  let database: TestDatabase | undefined;
  afterEach(async () => database?.cleanup());

  async function withNotices(count: number): Promise<{ store: Store; ids: number[]; status: () => Promise<string[]> }> {
    database = await createTestDatabase(engine);
    const store = await database.openStore();
    const ids: number[] = [];
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < count; i++) {
        const partnerId = `P${i}`;
        ids.push(
          await insertNotice(
            trx,
            {
              runId: 1,
              partnerId,
              audience: 'partner',
              kinds: ['confirmed'],
              messageId: `<n${i}@example.com>`,
              locale: 'en',
              from: 'ops@example.com',
              to: [`p${i}@example.com`],
              cc: [],
              subject: 'Confirmed',
              text: 'text',
              html: '<p>html</p>',
              createdAt: '2026-10-15T06:00:00.000Z',
            },
            [],
          ),
        );
      }
    });
    const status = async () =>
      (await database!.query<{ status: string }>('select status from notices order by id')).map((row) => row.status);
    return { store, ids, status };
  }

  const sent = async (store: Store, id: number) => ({ notice: await findSendableNotice(store.db, id), sentAt: '2026-10-15T06:00:01.000Z', note: null });

  it('writes a batch as soon as it is full, and settles each send only when its record is in', async () => {
    const { store, ids, status } = await withNotices(4);
    // A wait far longer than the test: only a full batch can be written.
    const record = sentRecorder(store, '2026-10-15', { size: 3, waitMs: 60_000 });
    const settled: number[] = [];
    const track = async (index: number) => {
      await record(await sent(store, ids[index]!));
      settled.push(index);
    };
    const firstTwo = [track(0), track(1)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toEqual([]);
    expect(await status()).toEqual(['pending', 'pending', 'pending', 'pending']);

    await Promise.all([...firstTwo, track(2)]);
    expect(settled.sort()).toEqual([0, 1, 2]);
    expect(await status()).toEqual(['sent', 'sent', 'sent', 'pending']);
  });

  it('writes a batch that is not full once its first send has waited long enough', async () => {
    const { store, ids, status } = await withNotices(2);
    const record = sentRecorder(store, '2026-10-15', { size: 10, waitMs: 20 });
    const started = performance.now();
    await Promise.all(ids.map(async (id) => record(await sent(store, id))));
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect(await status()).toEqual(['sent', 'sent']);
  });

  it('fails every send of a batch whose write fails, and records the next batch normally', async () => {
    const { store, ids, status } = await withNotices(3);
    const record = sentRecorder(store, '2026-10-15', { size: 2, waitMs: 60_000 });
    // The database refuses to record the second notice as sent (a disk full, a lost connection…).
    if (engine === 'sqlite') {
      await database!.query(`create trigger refuse before update on notices when new.id = ${ids[1]} begin select raise(abort, 'refused'); end`);
    } else {
      await database!.query(`create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused'; end $$`);
      await database!.query(`create trigger refuse before update on notices for each row when (new.id = ${ids[1]}) execute function refuse()`);
    }
    const good = await sent(store, ids[0]!);
    const bad = await sent(store, ids[1]!);
    const outcomes = await Promise.allSettled([record(good), record(bad)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    // One transaction: the notice that could be recorded is not recorded either.
    expect(await status()).toEqual(['pending', 'pending', 'pending']);
    await database!.query(engine === 'sqlite' ? 'drop trigger refuse' : 'drop trigger refuse on notices');
    await Promise.all([record(good), record(await sent(store, ids[2]!))]);
    expect(await status()).toEqual(['sent', 'pending', 'sent']);
  });
});
