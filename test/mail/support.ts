import { expect } from 'vitest';
import { SendError } from '../../src/errors.js';
import type { OutgoingMessage } from '../../src/mail/mailer.js';

/** The SendError a send was rejected with; fails the test when it succeeded or threw anything else. */
export async function sendError(promise: Promise<unknown>): Promise<SendError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SendError);
  return error as SendError;
}

export const MESSAGE_ID = '<csp-reeval.r7.p4010003.0123456789abcdef@example.co.jp>';

/** A Japanese transition notice to two addresses with one in copy; one override per test. */
export function outgoing(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    messageId: MESSAGE_ID,
    from: 'CSP プログラム運営チーム <csp-programme@example.co.jp>',
    to: ['csp@hikari-sol.example.jp', 'keiei@hikari-sol.example.jp'],
    cc: ['keiyaku@hikari-sol.example.jp'],
    subject: '【重要】CSP 直接請求パートナー再評価（2026年10月）の結果および間接リセラーへの移行のお願い',
    text: '株式会社ひかりソリューションズ 御中\n\n間接リセラーへの移行をお願いいたします。\n',
    html: '<!DOCTYPE html><html lang="ja"><body><p>株式会社ひかりソリューションズ 御中</p></body></html>',
    ...overrides,
  };
}
