import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMailer, newMessageId } from '../../src/mail/mailer.js';
import { outgoing, useTempDir } from './support.js';

/** RFC 5322 msg-id with dot-atom-text on both sides, narrowed to what newMessageId may produce. */
const SAFE_MESSAGE_ID = /^<[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)*>$/;

describe('newMessageId', () => {
  it('stays a valid Message-ID for a hostile partner id, with nothing of it that could open a header', () => {
    const id = newMessageId({ runId: 42, partnerId: 'a b<c>@d\r\nBcc: x@y', domain: 'example.com' });
    expect(id).toMatch(SAFE_MESSAGE_ID);
    expect(id.split('@')).toHaveLength(2);
    expect(id.slice(1, -1)).not.toMatch(/[\s<>:]/);
    expect(id).toContain('r42');
    expect(id.endsWith('@example.com>')).toBe(true);
  });

  it('is unique per call, for the same run and partner', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newMessageId({ runId: 1, partnerId: '4010003', domain: 'example.com' })));
    expect(ids.size).toBe(200);
  });

  it('marks the operations summary as such and keeps a readable partner id', () => {
    expect(newMessageId({ runId: 3, partnerId: null, domain: 'example.com' })).toMatch(/^<csp-reeval\.r3\.ops\.[0-9a-f]+@example\.com>$/);
    expect(newMessageId({ runId: 3, partnerId: '4010003', domain: 'example.com' })).toMatch(/^<csp-reeval\.r3\.p4010003\.[0-9a-f]+@example\.com>$/);
  });

  it('falls back to a safe domain when the configured one is not a host name, and punycodes an IDN', () => {
    expect(newMessageId({ runId: 1, partnerId: 'P', domain: 'exa mple.com>\r\n' })).toMatch(/@localhost\.localdomain>$/);
    expect(newMessageId({ runId: 1, partnerId: 'P', domain: '例え.jp' })).toMatch(/@xn--r8jz45g\.jp>$/);
  });

  describe('round trip', () => {
    const temp = useTempDir();

    it('is accepted by the mailer and read back unchanged', async () => {
      const messageId = newMessageId({ runId: 9, partnerId: '株式会社/../..\\x', domain: 'example.co.jp' });
      const mailer = createMailer({ smtpUrl: null, outboxDir: temp.dir });
      await mailer.send(outgoing({ messageId }));
      const [file] = readdirSync(temp.dir);
      expect(path.dirname(path.join(temp.dir, file!))).toBe(temp.dir);
      expect((await simpleParser(readFileSync(path.join(temp.dir, file!)))).messageId).toBe(messageId);
    });
  });
});
