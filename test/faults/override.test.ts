import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { planOverride } from '../../src/rules/override.js';
import { findRecordedCycle, recordOverride } from '../../src/store/overrides.js';
import { REPO_ROOT, runCli, SAMPLE_DIR } from '../helpers/cli.js';
import { createTestDatabase, ENGINES, type TestDatabase } from '../helpers/engines.js';
import { type FaultySmtpServer, startFaultySmtpServer } from '../helpers/faulty-smtp.js';
import { spawnCli } from '../helpers/spawn-cli.js';

/**
 * Overrides in real processes: two operators granting the same appeal at the same moment, and a
 * run or the override command itself killed after the override was recorded but before its
 * correction went out.
 */
const AS_OF = '2026-10-15';
const AT_RUN = () => new Date('2026-10-15T06:00:00Z');
const APPEAL = ['4010003', '--cycle', '2026-10', '--trigger', 'renewal', '--outcome', 'confirmed', '--reason', 'appeal granted by Microsoft (case 2611-0042)'];

describe.each(ENGINES)('overrides in real processes, on %s', (engine) => {
  let temp: TestDatabase;
  let smtp: FaultySmtpServer;
  let env: Record<string, string>;

  beforeEach(async () => {
    temp = await createTestDatabase(engine);
    smtp = await startFaultySmtpServer();
    env = { DATABASE_URL: temp.databaseUrl, SMTP_URL: smtp.url, OPS_EMAIL: 'csp-ops@example.com', MAIL_FROM: 'CSP Programme <csp-programme@example.com>' };
    expect((await runCli(['import', SAMPLE_DIR], env, AT_RUN)).code).toBe(0);
    expect((await runCli(['run', '--as-of', AS_OF], env, AT_RUN)).code).toBe(0);
  });

  afterEach(async () => {
    try {
      await smtp.close();
    } finally {
      await temp.cleanup();
    }
  });

  const count = async (sqlText: string) => Number((await temp.query<{ n: unknown }>(sqlText))[0]!.n);

  it('two overrides of the same cycle at once: one wins, the other is refused with exit 2, and one override is recorded', async () => {
    const first = spawnCli(['override', ...APPEAL, '--by', 'Keiko Sato'], env);
    const second = spawnCli(['override', ...APPEAL, '--by', 'Taro Yamada'], env);
    const codes = await Promise.all([first.exit, second.exit]);
    expect([...codes].sort()).toEqual([0, 2]);
    const loser = codes[0] === 2 ? first : second;
    expect(loser.stderr()).toMatch(/^error: override refused, nothing recorded: .*(already confirmed|changed by another override or run at the same moment)/m);
    expect(await count('select count(*) as n from overrides')).toBe(1);
    expect(await count("select count(*) as n from notices where kinds = '[\"correction\"]'")).toBe(1);
    expect(await count("select count(*) as n from decisions where partner_id = '4010003' and outcome = 'confirmed'")).toBe(1);
  });

  it('a run killed after the override was recorded and before its correction was sent: the next run sends it, once', async () => {
    expect((await runCli(['override', ...APPEAL, '--by', 'Keiko Sato'], env, () => new Date('2026-11-02T09:00:00Z'))).code).toBe(0);
    const received = smtp.received.length;
    const running = spawnCli(['run', '--as-of', '2026-11-02'], env);
    smtp.onConnection = () => running.child.kill('SIGKILL');
    expect(await running.exit).toBeNull();
    expect(smtp.received).toHaveLength(received);
    smtp.onConnection = () => undefined;

    expect(await spawnCli(['run', '--as-of', '2026-11-02'], env).exit).toBe(0);
    expect(await spawnCli(['run', '--as-of', '2026-11-02'], env).exit).toBe(0);
    const [notice] = await temp.query<{ message_id: string; status: string }>("select message_id, status from notices where kinds = '[\"correction\"]'");
    expect(notice!.status).toBe('sent');
    expect(smtp.received.filter((message) => message.messageId === notice!.message_id)).toHaveLength(1);
    expect(await count("select count(*) as n from notices where status <> 'sent'")).toBe(0);
  });

  it('the override command killed after recording and before its correction was accepted: the next run sends it, once', async () => {
    const received = smtp.received.length;
    const overriding = spawnCli(['override', ...APPEAL, '--by', 'Keiko Sato'], env);
    // The correction is committed before the command connects to send it; the kill lands there.
    smtp.onConnection = () => overriding.child.kill('SIGKILL');
    expect(await overriding.exit).toBeNull();
    smtp.onConnection = () => undefined;
    expect(smtp.received).toHaveLength(received);
    expect(await count('select count(*) as n from overrides')).toBe(1);
    const [waiting] = await temp.query<{ message_id: string; status: string }>("select message_id, status from notices where kinds = '[\"correction\"]'");
    expect(waiting!.status).toBe('pending');

    expect(await spawnCli(['run', '--as-of', '2026-11-02'], env).exit).toBe(0);
    expect(await spawnCli(['run', '--as-of', '2026-11-02'], env).exit).toBe(0);
    expect(smtp.received.filter((message) => message.messageId === waiting!.message_id)).toHaveLength(1);
    expect(await count("select count(*) as n from notices where status <> 'sent'")).toBe(0);
  });

  it('an override read before another was recorded is a conflict: nothing of it is written', async () => {
    const store: Store = await temp.openStore();
    const policy = loadPolicy(`${REPO_ROOT}/data/policy.json`);
    const request = { partnerId: '4010003', trigger: 'renewal' as const, cycle: '2026-10', outcome: 'confirmed' as const, reason: 'appeal granted', by: 'Keiko Sato', notify: false };
    const target = await findRecordedCycle(store.db, request);
    const plan = planOverride(request, target, policy, '2026-11-02');
    if ('refused' in plan) throw new Error(plan.refused);
    const entry = { target: target!, decision: plan.decision, replacedOutcome: plan.replacedOutcome, reason: request.reason, overriddenAt: '2026-11-02T09:00:00.000Z', notice: null };
    // Both read the same latest decision; the second to write finds it superseded.
    expect(await recordOverride(store.db, { ...entry, by: 'Keiko Sato' })).toMatchObject({ overrideId: expect.any(Number) });
    expect(await recordOverride(store.db, { ...entry, by: 'Taro Yamada' })).toEqual({ conflict: true });
    expect(await temp.query('select overridden_by from overrides')).toEqual([{ overridden_by: 'Keiko Sato' }]);
    expect(await count("select count(*) as n from decisions where partner_id = '4010003'")).toBe(2);
  });
});
