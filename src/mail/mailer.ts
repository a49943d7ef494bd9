import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import type { Config } from '../config/config.js';
import { isEmail } from '../domain/email.js';
import { redactUrl, secretRedactor } from '../config/redact.js';
import type { MailMessage } from '../domain/types.js';
import { SendError, UsageError } from '../errors.js';
import { Outbox } from './outbox-folder.js';

export type OutgoingMessage = MailMessage;

export interface SendResult {
  /** Recipients the server refused while accepting the message for the others. */
  rejected: Array<{ address: string; reason: string }>;
}

export interface Mailer {
  /**
   * How many notices may be on their way at once: being sent, or sent and waiting for their record
   * (sends are recorded a few to a transaction, so some always wait).
   */
  readonly concurrency: number;
  /** `signal` abandons the send: a queued message is dropped, the connection delivering one is closed. */
  send(message: OutgoingMessage, options?: { signal?: AbortSignal }): Promise<SendResult>;
  close(): Promise<void>;
}

export interface MailerTimeouts {
  connectionMs?: number;
  greetingMs?: number;
  socketMs?: number;
  /** The whole of one send, from handing it over to the server's last reply. */
  totalMs?: number;
}

export interface MailerOptions {
  smtpUrl: string | null;
  outboxDir: string;
  timeouts?: MailerTimeouts;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEADLINE = 'deadline';
const CUT_OFF = 'cut off';
const POOL_CONNECTIONS = 5;
/**
 * Notices on their way over SMTP at once, four per connection: while up to half of them wait for
 * their sends to be recorded, every connection still has the next message queued behind the one it
 * is sending. Also the most messages a crash can leave sent but unrecorded.
 */
export const SMTP_LANES = 4 * POOL_CONNECTIONS;
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = `${ATEXT}(?:\\.${ATEXT})*`;
const MESSAGE_ID = new RegExp(`^<${DOT_ATOM}@${DOT_ATOM}>$`);
const MAX_MESSAGE_ID_LENGTH = 200;
const HOSTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The mailer the configuration asks for. */
export function mailerFor(config: Pick<Config, 'smtpUrl' | 'outboxDir' | 'smtpTimeoutMs'>): Mailer {
  const ms = config.smtpTimeoutMs;
  return createMailer({ smtpUrl: config.smtpUrl, outboxDir: config.outboxDir, timeouts: { connectionMs: ms, greetingMs: ms, socketMs: ms, totalMs: ms } });
}

export function createMailer(options: MailerOptions): Mailer {
  return options.smtpUrl ? createSmtpMailer(options.smtpUrl, options.timeouts ?? {}) : createOutboxMailer(options.outboxDir);
}

/**
 * `<csp-reeval.r42.p4010003.9f…@example.com>`: the run and partner make it readable in a mail log,
 * the random part makes it unique. The partner id is CSV data, so only its letters and digits are kept.
 */
export function newMessageId(input: { runId: number; partnerId: string | null; domain: string }): string {
  const run = Number.isSafeInteger(input.runId) && input.runId >= 0 ? input.runId : 0;
  const who = input.partnerId === null ? 'ops' : `p${asciiWord(input.partnerId, 40)}`;
  return `<csp-reeval.r${run}.${who}.${randomBytes(12).toString('hex')}@${messageIdDomain(input.domain)}>`;
}

function asciiWord(text: string, maxLength: number): string {
  return text
    .replace(/[^A-Za-z0-9]+/g, '-')
    .slice(0, maxLength)
    .replace(/^-+|-+$/g, '');
}

function messageIdDomain(domain: string): string {
  const ascii = domainToASCII(domain.trim().replace(/\.$/, '')).toLowerCase();
  return ascii.length > 0 && ascii.length <= 253 && HOSTNAME.test(ascii) ? ascii : 'localhost.localdomain';
}

function createSmtpMailer(smtpUrl: string, timeouts: MailerTimeouts): Mailer {
  const redact = secretRedactor(smtpUrl);
  const pool = openPool(smtpUrl, timeouts, redact);
  const totalMs = timeouts.totalMs ?? DEFAULT_TIMEOUT_MS;
  return {
    concurrency: SMTP_LANES,
    async send(message, options = {}) {
      const mail = toMailOptions(message);
      // nodemailer's timeouts bound each wait for the server, and a server that trickles its
      // replies a byte at a time never lets one expire: this bounds the send as a whole. It counts
      // from the hand-over, so a message queued behind another on its connection spends some of it.
      const abandon = new AbortController();
      const deadline = setTimeout(() => abandon.abort(DEADLINE), totalMs);
      const cutOff = () => abandon.abort(CUT_OFF);
      if (options.signal?.aborted) cutOff();
      options.signal?.addEventListener('abort', cutOff, { once: true });
      let info: { rejected?: unknown[]; rejectedErrors?: Array<{ recipient?: string; response?: string; message?: string }> };
      try {
        info = await pool.sendMail({ ...mail, signal: abandon.signal } as SendMailOptions);
      } catch (error) {
        if (abandon.signal.reason === DEADLINE) throw new SendError(`SMTP send failed: the server did not finish within ${totalMs / 1000} s (SMTP_TIMEOUT_SECONDS)`, false);
        if (abandon.signal.reason === CUT_OFF) throw new SendError('SMTP send cut off: the run was stopped', false);
        throw smtpSendError(error, redact);
      } finally {
        clearTimeout(deadline);
        options.signal?.removeEventListener('abort', cutOff);
      }
      const reasons = new Map((info.rejectedErrors ?? []).map((e) => [e.recipient, e.response ?? e.message ?? 'refused']));
      const rejected = (info.rejected ?? []).map((entry) => {
        const address = typeof entry === 'string' ? entry : String((entry as { address?: string }).address ?? entry);
        return { address, reason: redact(String(reasons.get(address) ?? 'refused')) };
      });
      return { rejected };
    },
    async close() {
      pool.close();
    },
  };
}

function openPool(smtpUrl: string, timeouts: MailerTimeouts, redact: (text: string) => string) {
  try {
    return nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: POOL_CONNECTIONS,
      maxMessages: Infinity,
      connectionTimeout: timeouts.connectionMs ?? DEFAULT_TIMEOUT_MS,
      greetingTimeout: timeouts.greetingMs ?? DEFAULT_TIMEOUT_MS,
      socketTimeout: timeouts.socketMs ?? DEFAULT_TIMEOUT_MS,
    });
  } catch (error) {
    throw new UsageError(`SMTP_URL ${redactUrl(smtpUrl)} cannot be used: ${redact((error as Error).message)}`);
  }
}

function createOutboxMailer(outboxDir: string): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const outbox = new Outbox(outboxDir);
  return {
    // Each file is synced to disk; several at a time hide that latency without flooding the disk.
    concurrency: OUTBOX_WRITERS,
    async send(message) {
      const mail = toMailOptions(message);
      let raw: Buffer;
      try {
        raw = (await composer.sendMail(mail)).message as Buffer;
      } catch (error) {
        throw new SendError(`message ${message.messageId} could not be composed: ${(error as Error).message}`, true);
      }
      const file = emlFileName(message.messageId);
      try {
        await outbox.write(file, raw);
      } catch (error) {
        // A missing, read-only or full outbox is for the operator to fix; the notice waits for them.
        throw new SendError(`could not write ${path.join(outboxDir, file)}: ${(error as Error).message}`, false);
      }
      return { rejected: [] };
    },
    async close() {},
  };
}

const OUTBOX_WRITERS = 8;

/**
 * The file name is the Message-ID, so sending a notice again replaces its file. Characters that
 * are legal in a Message-ID but awkward in a file name are %-encoded, which keeps names distinct.
 */
function emlFileName(messageId: string): string {
  const bare = messageId.slice(1, -1);
  return `${bare.replace(/[^A-Za-z0-9.@_-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}.eml`;
}

/**
 * Checks every field that came from data before nodemailer sees it: addresses become single
 * `{address}` objects, never a string that an address parser could split into more recipients,
 * and no header value may carry a line break.
 */
function toMailOptions(message: OutgoingMessage): SendMailOptions {
  if (message.messageId.length > MAX_MESSAGE_ID_LENGTH || !MESSAGE_ID.test(message.messageId)) {
    refuse(message, 'the Message-ID is not of the form <id@domain>');
  }
  if (hasLineBreak(message.subject)) refuse(message, 'the subject contains a line break');
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(message.subject)) refuse(message, 'the subject contains a control character');
  const from = parseMailbox(message.from) ?? refuse(message, `the sender ${JSON.stringify(message.from)} is not one email address`);
  const to = plainAddresses(message, 'to');
  const cc = plainAddresses(message, 'cc');
  if (to.length === 0) refuse(message, 'there is no recipient');

  return {
    messageId: message.messageId,
    from,
    to: to.map((address) => ({ name: '', address })),
    cc: cc.map((address) => ({ name: '', address })),
    envelope: { from: from.address, to: [...new Set([...to, ...cc])] },
    subject: message.subject,
    text: message.text,
    html: message.html,
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function plainAddresses(message: OutgoingMessage, field: 'to' | 'cc'): string[] {
  for (const address of message[field]) {
    if (hasLineBreak(address)) refuse(message, `a ${field} address contains a line break`);
    if (!isEmail(address)) refuse(message, `the ${field} address ${JSON.stringify(address)} is not one plain email address`);
  }
  return message[field];
}

function refuse(message: OutgoingMessage, why: string): never {
  throw new SendError(`message ${JSON.stringify(message.messageId)} refused: ${why}`, true);
}

function hasLineBreak(text: string): boolean {
  return /[\r\n]/.test(text);
}

function parseMailbox(text: string): { name: string; address: string } | null {
  if (hasLineBreak(text)) return null;
  const named = /^([^<>]*)<([^<>]+)>$/.exec(text.trim());
  const name = named ? named[1]!.trim().replace(/^"(.*)"$/, '$1') : '';
  const address = named ? named[2]!.trim() : text.trim();
  return isEmail(address) ? { name, address } : null;
}

interface NodemailerFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  command?: string;
}

/**
 * 5xx is permanent, except where the fault is in our own set-up rather than in the message: a
 * refused login or sender, which every notice would meet alike, stays retryable once the operator
 * has fixed it. 503 is a session out of step, which nodemailer too treats as transient.
 */
function smtpSendError(error: unknown, redact: (text: string) => string): SendError {
  const failure = (error ?? {}) as NodemailerFailure;
  const responseCode = typeof failure.responseCode === 'number' ? failure.responseCode : undefined;
  const ourSetUp = failure.code === 'EAUTH' || failure.code === 'ENOAUTH' || failure.command === 'MAIL FROM';
  const permanent = responseCode !== undefined && responseCode >= 500 && responseCode !== 503 && !ourSetUp;
  const code = failure.code ? ` [${failure.code}]` : '';
  return new SendError(redact(`SMTP send failed${code}: ${failure.message ?? String(error)}`), permanent, responseCode);
}
