import type { Store } from '../db/database.js';
import { describeEnvironmentFailure, EnvironmentError, InterruptedError, LockHeldError, UsageError } from '../errors.js';
import { acquireLock } from './lock.js';
import { stopSignalOf } from './stop.js';

const NOTHING = 'nothing was imported (an import is all or nothing: it was rolled back)';

/**
 * Runs an import under the lock that runs take, so that an import never interleaves with a run's
 * decisions and sends: it waits for a run to finish (up to DATABASE_LOCK_TIMEOUT_SECONDS), and a
 * run waits for it. `action` gets a signal that aborts on SIGTERM/SIGINT or when the lock is lost;
 * the import then rolls back and says so.
 */
export async function importInTurn<T>(
  store: Store,
  request: { what: string; waitMs: number; now: () => Date; signal?: AbortSignal },
  action: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(store, {
    task: { kind: 'import', what: request.what },
    waitMs: request.waitMs,
    now: request.now,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  try {
    await lock.record(`import of ${request.what}`);
    const stopped = request.signal ? AbortSignal.any([request.signal, lock.lost]) : lock.lost;
    return await action(stopped);
  } catch (error) {
    // Once `action` has resolved, the import is committed whatever came after: only a failure is explained.
    if (request.signal?.aborted) throw new InterruptedError(stopSignalOf(request.signal), `by ${stopSignalOf(request.signal)}; ${NOTHING}; import it again`);
    if (lock.lost.aborted) throw lostConnection(lock.lost.reason);
    if (error instanceof UsageError || error instanceof LockHeldError || error instanceof EnvironmentError) throw error;
    const environment = describeEnvironmentFailure(error);
    if (environment) throw new EnvironmentError(environment, NOTHING, 'fix it and import again', { cause: error });
    throw error;
  } finally {
    await lock.release();
  }
}

function lostConnection(reason: unknown): EnvironmentError {
  const message = (reason as Error | undefined)?.message ?? String(reason);
  return new EnvironmentError(`the connection to PostgreSQL that held the lock was lost (${message})`, NOTHING, 'import again once the server is back', { cause: reason });
}
