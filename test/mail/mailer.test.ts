import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, type Mailer, newMessageId, type OutgoingMessage } from '../../src/mail/mailer.js';
import { smtpError, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { outgoing, sendError } from './support.js';
import { useTempDir } from '../helpers/temp-store.js';

const PASSWORD = 's3cret-Pa55';
const FAST = { connectionMs: 2_000, greetingMs: 2_000, socketMs: 2_000 };

function message(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return outgoing({ messageId: '<csp-reeval.r3.p4010004.00ff@example.com>', ...overrides });
}

/** A port that was just free: nothing listens there, so connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('SMTP delivery to a loopback server', () => {
  let smtp: TestSmtpServer;
  let mailer: Mailer;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: '/nonexistent/never-used', timeouts: FAST });
  });
  afterEach(async () => {
    await mailer.close();
    await smtp.close();
  });

  it('delivers to every to and cc address as envelope recipients, with the exact Message-ID and no Bcc', async () => {
    await mailer.send(message());
    expect(smtp.received).toHaveLength(1);
    const [received] = smtp.received;
    expect(received!.envelopeTo).toEqual(['csp@hikari-sol.example.jp', 'keiei@hikari-sol.example.jp', 'keiyaku@hikari-sol.example.jp']);
    expect(received!.parsed.messageId).toBe('<csp-reeval.r3.p4010004.00ff@example.com>');
    expect(received!.parsed.subject).toBe(message().subject);
    expect(received!.parsed.cc).toMatchObject({ value: [{ address: 'keiyaku@hikari-sol.example.jp' }] });
    expect(received!.parsed.headers.has('bcc')).toBe(false);
    expect(received!.parsed.text).toContain('間接リセラーへの移行をお願いいたします。');
    expect(received!.parsed.html).toContain('<p>株式会社ひかりソリューションズ 御中</p>');
  });

  it('sends several notices at once through the connection pool', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `<notice-${i}@example.com>`);
    await Promise.all(ids.map((messageId) => mailer.send(message({ messageId }))));
    expect(smtp.received.map((m) => m.parsed.messageId).sort()).toEqual([...ids].sort());
  });

  it('a 5xx reply is a permanent SendError with the reply code', async () => {
    smtp.onMessage = () => smtpError('Mailbox unavailable', 550);
    const error = await sendError(mailer.send(message()));
    expect(error.permanent).toBe(true);
    expect(error.responseCode).toBe(550);
    expect(error.message).toContain('Mailbox unavailable');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a 4xx reply is a temporary SendError', async () => {
    smtp.onMessage = () => smtpError('Mailbox busy, try later', 451);
    const error = await sendError(mailer.send(message()));
    expect(error.permanent).toBe(false);
    expect(error.responseCode).toBe(451);
    expect(smtp.received).toHaveLength(0);
  });

  it('a refused login is temporary, and a server reply that echoes the password is redacted', async () => {
    smtp.onLogin = ({ password }) => smtpError(`Authentication failed: password ${password} has expired`, 535);
    const error = await sendError(mailer.send(message()));
    expect(error.responseCode).toBe(535);
    // Every notice would meet the same refusal until the operator fixes SMTP_URL: worth retrying then.
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('Authentication failed: password *** has expired');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses a line break in the subject or an address before anything reaches the server', async () => {
    for (const bad of [{ subject: 'Hi\r\nBcc: victim@example.com' }, { to: ['a@example.com\r\nRCPT TO:<victim@example.com>'] }, { cc: ['a@example.com,victim@example.com'] }]) {
      const error = await sendError(mailer.send(message(bad)));
      expect(error.permanent).toBe(true);
    }
    expect(smtp.received).toHaveLength(0);
  });
});

describe('SMTP failures before any reply', () => {
  let mailer: Mailer | null = null;
  let server: Server | null = null;
  const sockets: Socket[] = [];

  afterEach(async () => {
    await mailer?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    mailer = null;
    server = null;
  });

  it('a refused connection is temporary and its message never holds the password', async () => {
    const port = await closedPort();
    const password = 'p@ss:w0rd/Secret';
    const url = `smtp://reeval:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    mailer = createMailer({ smtpUrl: url, outboxDir: '/nonexistent', timeouts: FAST });

    const error = await sendError(mailer.send(message()));
    expect(error.permanent).toBe(false);
    expect(error.message).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    expect(error.message).not.toContain(password);
    expect(error.message).not.toContain(encodeURIComponent(password));
  });

  it('a server that accepts the connection but never greets times out as a temporary failure', async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    mailer = createMailer({
      smtpUrl: `smtp://reeval:${PASSWORD}@127.0.0.1:${port}`,
      outboxDir: '/nonexistent',
      timeouts: { connectionMs: 300, greetingMs: 300, socketMs: 300 },
    });

    const started = Date.now();
    const error = await sendError(mailer.send(message()));
    expect(error.permanent).toBe(false);
    expect(error.message).not.toContain(PASSWORD);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

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
