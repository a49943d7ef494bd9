import { setTimeout as sleep } from 'node:timers/promises';

/** Another connection holds SQLite's write lock, or a PostgreSQL transaction lost a race: worth trying again. */
export function isBusy(error: unknown): boolean {
  const code = codeOf(error);
  return /^SQLITE_(BUSY|LOCKED)/.test(code) || code === '40001' || code === '40P01' || code === '55P03';
}

/** The connection to the database server ended under the statement (the server may still be there). */
export function isConnectionLost(error: unknown): boolean {
  const code = codeOf(error);
  if (LOST_CODES.has(code) || code.startsWith('08')) return true;
  return /Connection terminated|terminating connection|server closed the connection|connection error and is not queryable/i.test(messageOf(error));
}

const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

/** Tries after a lost connection: the pool opens a new one each time, for about half a minute in all. */
const RECONNECT_TRIES = 30;

/**
 * Runs `attempt` until it succeeds. While the database is busy it waits its turn for as long as
 * it takes; after a lost connection it tries on a new one for about half a minute, then gives up.
 * Anything else fails at once.
 */
export async function retryWhileBusy<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) && !(isConnectionLost(error) && tries < RECONNECT_TRIES)) throw error;
      await sleep(Math.min(25 * tries, 1_000));
    }
  }
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
