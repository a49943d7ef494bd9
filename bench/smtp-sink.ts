import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A loopback SMTP server that accepts and discards everything, in a process of its own so that the
 * sender being measured has the CPU to itself. Prints its port, then serves until killed.
 */
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  logger: false,
  size: 0,
  onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
  onData(stream, _session, callback) {
    stream.on('end', () => callback());
    stream.resume();
  },
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.server.address() as AddressInfo).port}\n`));
