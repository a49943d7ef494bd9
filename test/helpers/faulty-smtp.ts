import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A small SMTP server on loopback that misbehaves on purpose. It speaks just enough of the
 * protocol for nodemailer (EHLO, AUTH, MAIL, RCPT, DATA, RSET, QUIT) and can refuse recipients,
 * answer messages with any reply, drop the connection in the middle of DATA, or never answer at all.
 */
export type Behaviour =
  | { kind: 'normal' }
  /** Accepts the connection, then says nothing, ever. */
  | { kind: 'silent' }
  /** Closes the connection while the message is being transferred. */
  | { kind: 'drop-in-data' }
  /** Greets at once, then writes every reply one byte at a time: no single wait is ever long. */
  | { kind: 'trickle'; byteEveryMs: number };

export interface ReceivedMessage {
  messageId: string | null;
  envelopeTo: string[];
  raw: string;
}

export interface FaultySmtpServer {
  url: string;
  port: number;
  received: ReceivedMessage[];
  behaviour: Behaviour;
  /** A reply such as `550 5.1.1 no such user` refuses that recipient; null accepts it. */
  onRecipient: (address: string) => string | null;
  /** The reply to the end of DATA; null accepts (`250`). */
  onMessage: (message: ReceivedMessage) => string | null;
  /** Milliseconds to wait before answering the end of each message: a slow server. */
  replyDelayMs: number;
  /** Called after a message was accepted and the 250 reply written. */
  onAccepted: (message: ReceivedMessage) => void;
  /** Called for every new connection, before the greeting. */
  onConnection: () => void;
  /** Connections seen, to tell a retried send from none at all. */
  connections: number;
  close(): Promise<void>;
}

export async function startFaultySmtpServer(): Promise<FaultySmtpServer> {
  const sockets = new Set<Socket>();
  const state: FaultySmtpServer = {
    url: '',
    port: 0,
    received: [],
    behaviour: { kind: 'normal' },
    onRecipient: () => null,
    onMessage: () => null,
    replyDelayMs: 0,
    onAccepted: () => undefined,
    onConnection: () => undefined,
    connections: 0,
    close: async () => undefined,
  };
  const server: Server = createServer((socket) => {
    state.connections++;
    state.onConnection();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (state.behaviour.kind === 'silent') return;
    serve(socket, state);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `smtp://reeval:Fault-Pa55word@127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

function serve(socket: Socket, state: FaultySmtpServer): void {
  const write = writerFor(socket, state.behaviour);
  const reply = (line: string) => write(`${line}\r\n`);
  let buffer = '';
  let inData = false;
  let envelopeTo: string[] = [];
  socket.write('220 faulty.test ESMTP ready\r\n');
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (;;) {
      if (inData) {
        if (state.behaviour.kind === 'drop-in-data') {
          socket.destroy();
          return;
        }
        const end = buffer.indexOf('\r\n.\r\n');
        if (end < 0) return;
        const raw = buffer.slice(0, end + 2).replace(/^\.\./gm, '.');
        buffer = buffer.slice(end + 5);
        inData = false;
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? null;
        const message = { messageId, envelopeTo, raw };
        const answer = () => {
          const refusal = state.onMessage(message);
          if (refusal === null) state.received.push(message);
          reply(refusal ?? '250 2.0.0 queued');
          if (refusal === null) state.onAccepted(message);
        };
        if (state.replyDelayMs > 0) setTimeout(answer, state.replyDelayMs);
        else answer();
        envelopeTo = [];
        continue;
      }
      const newline = buffer.indexOf('\r\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') write('250-faulty.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
      else if (verb === 'HELO') reply('250 faulty.test');
      else if (verb === 'AUTH') reply('235 2.7.0 accepted');
      else if (verb === 'MAIL') reply('250 2.1.0 ok');
      else if (verb === 'RCPT') {
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        const refusal = state.onRecipient(address);
        if (refusal === null) envelopeTo.push(address);
        reply(refusal ?? '250 2.1.5 ok');
      } else if (verb === 'DATA') {
        inData = true;
        reply('354 go ahead');
      } else if (verb === 'RSET') {
        envelopeTo = [];
        reply('250 2.0.0 reset');
      } else if (verb === 'NOOP') reply('250 2.0.0 ok');
      else if (verb === 'QUIT') {
        reply('221 2.0.0 bye');
        socket.end();
        return;
      } else reply('502 5.5.2 not implemented');
    }
  });
}

/** Writes replies as they come, or for a trickling server one byte at a time, in order. */
function writerFor(socket: Socket, behaviour: Behaviour): (text: string) => void {
  if (behaviour.kind !== 'trickle') return (text) => socket.write(text);
  const pending: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  const next = () => {
    timer = null;
    const byte = pending.shift();
    if (byte === undefined || socket.destroyed) return;
    socket.write(byte);
    timer = setTimeout(next, behaviour.byteEveryMs);
  };
  socket.on('close', () => timer && clearTimeout(timer));
  return (text) => {
    pending.push(...text);
    timer ??= setTimeout(next, behaviour.byteEveryMs);
  };
}

/** A TCP port with nothing listening on it: connection refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
