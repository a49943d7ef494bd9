import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface Received {
  envelopeTo: string[];
  raw: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  received: Received[];
  /** Decides the reply to each message: undefined accepts it; an Error with responseCode rejects it. */
  onMessage: ((session: SMTPServerSession) => Error | undefined) | null;
  /** Decides the reply to each login: undefined accepts it; an Error with responseCode rejects it. */
  onLogin: ((credentials: { username: string; password: string }) => Error | undefined) | null;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    url: '',
    port: 0,
    received: [],
    onMessage: null,
    onLogin: null,
    close: async () => undefined,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const rejection = state.onLogin?.({ username: auth.username ?? '', password: auth.password ?? '' });
      if (rejection) {
        callback(rejection);
        return;
      }
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rejection = state.onMessage?.(session);
        if (rejection) {
          callback(rejection);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((parsed) => {
          state.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  state.port = port;
  state.url = `smtp://reeval:s3cret-Pa55@127.0.0.1:${port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

export function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}
