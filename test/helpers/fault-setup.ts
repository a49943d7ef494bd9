import path from 'node:path';
import { expect } from 'vitest';
import { createTestDatabase, type Engine, type TestDatabase } from './engines.js';
import { type FaultySmtpServer, startFaultySmtpServer } from './faulty-smtp.js';

export interface FaultSetUp {
  temp: TestDatabase;
  smtp: FaultySmtpServer;
  /** What the command needs to run against `temp` and `smtp`. */
  env: Record<string, string>;
  /** The one number a `select count(*) as n …` answers, on either engine. */
  number(sql: string): Promise<number>;
  /** Every notice recorded is marked sent and was received exactly once under its Message-ID. */
  expectEachReceivedOnce(notices: number): Promise<void>;
  cleanup(): Promise<void>;
}

/** A fresh database on `engine` and a faulty loopback SMTP server, for real processes to misbehave against. */
export async function setUpFaults(engine: Engine): Promise<FaultSetUp> {
  const temp = await createTestDatabase(engine);
  const smtp = await startFaultySmtpServer();
  const number = async (sql: string) => Number((await temp.query<{ n: unknown }>(sql))[0]!.n);
  return {
    temp,
    smtp,
    env: { DATABASE_URL: temp.databaseUrl, OUTBOX_DIR: path.join(temp.dir, 'outbox'), SMTP_URL: smtp.url, OPS_EMAIL: 'csp-ops@example.com', MAIL_FROM: 'CSP Programme <csp-programme@example.com>' },
    number,
    async expectEachReceivedOnce(notices) {
      const recorded = (await temp.query<{ message_id: string }>('select message_id from notices order by 1')).map((n) => n.message_id);
      expect(recorded).toHaveLength(notices);
      expect(await number("select count(*) as n from notices where status <> 'sent'")).toBe(0);
      expect(smtp.received.map((m) => m.messageId).sort()).toEqual(recorded);
    },
    async cleanup() {
      await smtp.close();
      await temp.cleanup();
    },
  };
}

/** Polls `condition` until it holds. */
export async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  for (const started = Date.now(); !(await condition()); await new Promise((resolve) => setTimeout(resolve, 25))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}
