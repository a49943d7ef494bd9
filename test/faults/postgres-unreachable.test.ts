import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { oneLine, runCliProcess } from '../helpers/run-as.js';

const SERVER_URL = process.env.TEST_DATABASE_URL?.trim() || null;

/** A loopback port nothing listens on: taken from the kernel, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('an unreachable or misconfigured PostgreSQL: one line, a documented exit code, no stack trace', () => {
  let mute: Server;
  let mutePort = 0;
  const held: Socket[] = [];

  beforeAll(async () => {
    // Takes the connection and never says a word, as a host behind a firewall that drops packets looks to the client.
    mute = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    mutePort = (mute.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => mute.close(resolve));
  });

  const runs = (url: string, extra: Record<string, string> = {}) => runCliProcess(['runs'], { DATABASE_URL: url, ...extra });

  it('a closed port: exit 4, "refused", what to check', async () => {
    const port = await closedPort();
    const result = await runs(`postgres://postgres:pw@127.0.0.1:${port}/test`);
    expect(result.code).toBe(4);
    expect(oneLine(result.stderr)).toBe(
      `error: cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/test: the server refused the connection (connect ECONNREFUSED 127.0.0.1:${port}); nothing was changed; check that PostgreSQL is running, and the host and port in DATABASE_URL`,
    );
  });

  it('a host that never answers: exit 4 once DATABASE_CONNECT_TIMEOUT_SECONDS has passed, not a hang', async () => {
    const result = await runs(`postgres://postgres@127.0.0.1:${mutePort}/test`, { DATABASE_CONNECT_TIMEOUT_SECONDS: '1' });
    expect(result.code).toBe(4);
    expect(oneLine(result.stderr)).toMatch(/^error: cannot connect to PostgreSQL at .*: no answer within 1 s \(.*\); nothing was changed; check the host and port in DATABASE_URL .*DATABASE_CONNECT_TIMEOUT_SECONDS sets the wait$/);
    // a generous bound: the process starts, waits its second, and exits
    expect(result.ms).toBeLessThan(8_000);
  });

  it('a malformed URL is a usage error: exit 2, naming DATABASE_URL, the password hidden', async () => {
    for (const url of ['postgres://app:s3cret@127.0.0.1:port/test', 'postgres://app:s3cret@127.0.0.1:99999/test', 'postgres://app:%zz@127.0.0.1/test', 'postgresql://app:s3cret@[::1/test']) {
      const result = await runs(url);
      expect(result.code, url).toBe(2);
      expect(result.stderr).toMatch(/DATABASE_URL postgres(ql)?:\/\/app:\*\*\*@.* is not a valid PostgreSQL URL/);
      expect(result.stderr).not.toContain('s3cret');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  describe.runIf(ENGINES.includes('postgres'))('on the test server', () => {
    const on = (change: (url: URL) => void) => {
      const url = new URL(SERVER_URL!);
      change(url);
      return url.toString();
    };

    it('a database that does not exist: exit 4, "does not exist", create it or correct the name', async () => {
      const name = `reeval_missing_${randomBytes(4).toString('hex')}`;
      const result = await runs(on((url) => (url.pathname = `/${name}`)));
      expect(result.code).toBe(4);
      const line = oneLine(result.stderr);
      expect(line).toContain(`the database does not exist (database "${name}" does not exist)`);
      expect(line).toContain('create it (createdb), or correct the database name in DATABASE_URL');
    });

    it('a role that does not exist: exit 4, the login refused, check the user and password', async () => {
      const role = `reeval_nobody_${randomBytes(4).toString('hex')}`;
      const result = await runs(on((url) => (url.username = role)));
      expect(result.code).toBe(4);
      const line = oneLine(result.stderr);
      expect(line).toContain(`the server refused the login (role "${role}" does not exist)`);
      expect(line).toContain('check the user and password in DATABASE_URL');
    });
  });
});
