import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMailer, type OutgoingMessage } from '../../src/mail/mailer.js';
import { MESSAGE_ID, outgoing, sendError } from './support.js';
import { useTempDir } from '../helpers/temp-store.js';

const temp = useTempDir();

describe('the .eml outbox', () => {
  it('writes one parseable RFC 5322 message with the exact Message-ID, a UTF-8 Japanese subject and both parts', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    await mailer.send(outgoing());
    await mailer.close();

    const files = readdirSync(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const raw = readFileSync(path.join(outbox, files[0]!));
    expect(raw.toString('latin1')).toMatch(/^Content-Type: multipart\/alternative/m);
    expect(raw.toString('latin1')).toMatch(/\r\n/);

    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(MESSAGE_ID);
    expect(parsed.subject).toBe(outgoing().subject);
    expect(parsed.text).toContain('間接リセラーへの移行をお願いいたします。');
    expect(parsed.html).toContain('株式会社ひかりソリューションズ 御中');
    expect(parsed.from?.value).toEqual([{ name: 'CSP プログラム運営チーム', address: 'csp-programme@example.co.jp' }]);
    expect(parsed.to).toMatchObject({ value: [{ address: 'csp@hikari-sol.example.jp' }, { address: 'keiei@hikari-sol.example.jp' }] });
    expect(parsed.cc).toMatchObject({ value: [{ address: 'keiyaku@hikari-sol.example.jp' }] });
    expect(parsed.date).toBeInstanceOf(Date);
  });

  it('creates a missing outbox folder, leaves no temporary file, and overwrites when the same notice is sent again', async () => {
    const outbox = path.join(temp.dir, 'data', 'nested', 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    await mailer.send(outgoing({ text: 'first' }));
    await mailer.send(outgoing({ text: 'second' }));
    await mailer.send(outgoing({ messageId: '<other.notice@example.co.jp>' }));

    const files = readdirSync(outbox).sort();
    expect(files).toEqual(['csp-reeval.r7.p4010003.0123456789abcdef@example.co.jp.eml', 'other.notice@example.co.jp.eml']);
    const parsed = await simpleParser(readFileSync(path.join(outbox, files[0]!)));
    expect(parsed.text?.trim()).toBe('second');
  });

  it('makes the folder again when it was removed after the first send, or could not be made at first', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    await mailer.send(outgoing());
    // Removed between two scheduled runs of one long-lived process.
    rmSync(outbox, { recursive: true });
    await mailer.send(outgoing({ messageId: '<after.removal@example.co.jp>' }));
    expect(readdirSync(outbox)).toEqual(['after.removal@example.co.jp.eml']);

    // A file in the folder's place: nothing can be written until the operator moves it away.
    const blocked = path.join(temp.dir, 'blocked');
    writeFileSync(blocked, '');
    const later = createMailer({ smtpUrl: null, outboxDir: path.join(blocked, 'outbox') });
    expect((await sendError(later.send(outgoing()))).permanent).toBe(false);
    rmSync(blocked);
    await later.send(outgoing());
    expect(readdirSync(path.join(blocked, 'outbox'))).toHaveLength(1);
  });

  it('writes every one of many notices sent at once, each complete, and no temporary file', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    const ids = Array.from({ length: 3 * mailer.concurrency }, (_, i) => `<many.${i}@example.co.jp>`);
    await Promise.all(ids.map((messageId) => mailer.send(outgoing({ messageId, text: messageId }))));
    const files = readdirSync(outbox).sort();
    expect(files).toEqual(ids.map((id) => `${id.slice(1, -1)}.eml`).sort());
    for (const id of ids) {
      const parsed = await simpleParser(readFileSync(path.join(outbox, `${id.slice(1, -1)}.eml`)));
      expect(parsed.messageId).toBe(id);
      expect(parsed.text?.trim()).toBe(id);
    }
  });

  it('gives distinct, safe file names to Message-IDs that differ only in characters a file name cannot hold', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    await mailer.send(outgoing({ messageId: '<a/b@example.com>' }));
    await mailer.send(outgoing({ messageId: '<a%2Fb@example.com>' }));
    await mailer.send(outgoing({ messageId: '<a_b@example.com>' }));
    const files = readdirSync(outbox);
    expect(new Set(files).size).toBe(3);
    expect(files.every((name) => /^[A-Za-z0-9.@_%-]+\.eml$/.test(name))).toBe(true);
  });

  it('an outbox that cannot be written to is a temporary SendError that names the folder', async () => {
    const locked = path.join(temp.dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    let outbox = locked;
    try {
      writeFileSync(path.join(locked, 'probe'), '');
      // chmod does not bind root: a folder below a regular file is unwritable for anyone (ENOTDIR).
      const file = path.join(temp.dir, 'not-a-folder');
      writeFileSync(file, '');
      outbox = path.join(file, 'outbox');
    } catch {
      // chmod holds: the read-only folder itself is the test.
    }
    try {
      const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
      const error = await sendError(mailer.send(outgoing()));
      expect(error.permanent).toBe(false);
      expect(error.message).toContain(outbox);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('a write that fails half-way leaves neither a partial .eml nor a temporary file', async () => {
    const outbox = path.join(temp.dir, 'outbox');
    // A folder where the file should go makes the final rename fail after the content was written.
    mkdirSync(path.join(outbox, 'stuck@example.com.eml'), { recursive: true });
    writeFileSync(path.join(outbox, 'stuck@example.com.eml', 'keep'), 'x');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });

    const error = await sendError(mailer.send(outgoing({ messageId: '<stuck@example.com>' })));
    expect(error.permanent).toBe(false);
    expect(readdirSync(outbox)).toEqual(['stuck@example.com.eml']);
  });
});

describe('messages refused before anything is written', () => {
  const refusals: Array<[string, Partial<OutgoingMessage>]> = [
    ['a line break in the subject', { subject: 'Notice\r\nBcc: victim@example.com' }],
    ['a bare LF in the subject', { subject: 'Notice\nBcc: victim@example.com' }],
    ['a line break in a to address', { to: ['csp@hikari-sol.example.jp\r\nBcc: victim@example.com'] }],
    ['a line break in a cc address', { cc: ['keiyaku@hikari-sol.example.jp\nBcc: victim@example.com'] }],
    ['two addresses in one to entry', { to: ['csp@hikari-sol.example.jp, victim@example.com'] }],
    ['a display name smuggled into a cc entry', { cc: ['Victim <victim@example.com>'] }],
    ['a line break in the sender', { from: 'Ops <ops@example.com>\r\nBcc: victim@example.com' }],
    ['no recipient at all', { to: [] }],
    ['a Message-ID that is not <id@domain>', { messageId: '<a b@example.com>' }],
    ['a Message-ID with a line break', { messageId: '<a@example.com>\r\nBcc: victim@example.com' }],
  ];

  it.each(refusals)('refuses %s as a permanent SendError', async (_what, overrides) => {
    const outbox = path.join(temp.dir, 'outbox');
    const mailer = createMailer({ smtpUrl: null, outboxDir: outbox });
    const error = await sendError(mailer.send(outgoing(overrides)));
    expect(error.permanent).toBe(true);
    expect(readdirSync(temp.dir)).toEqual([]);
  });
});
