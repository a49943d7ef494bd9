import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { StopSignal } from '../errors.js';

/** How long a send already under way may go on after a stop signal before it is cut off. */
export const SEND_GRACE_MS = 1_000;
/** Well above the send lanes of any transport (SMTP_LANES). */
const MAX_SENDS_UNDER_WAY = 100;

/** The signal the entry point aborted for: it gives the signal's name as the reason. */
export function stopSignalOf(signal: AbortSignal | undefined): StopSignal {
  return signal?.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
}

export type StopReason = { kind: 'signal'; signal: StopSignal } | { kind: 'lost'; error: unknown };

/**
 * Why a run ends before it is done, and when the sends it has under way are cut off: a stop
 * signal lets them finish for a short grace; a lost lock cuts them off at once, since another run
 * may already have started.
 */
export class RunStop {
  reason: StopReason | null = null;
  private readonly cut = new AbortController();
  private grace: NodeJS.Timeout | null = null;
  private readonly onSignal = () => this.begin({ kind: 'signal', signal: stopSignalOf(this.signal) });
  private readonly onLost = () => {
    this.begin({ kind: 'lost', error: this.lostSignal?.reason });
    this.cut.abort();
  };

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly lostSignal: AbortSignal | undefined,
    private readonly graceMs = SEND_GRACE_MS,
  ) {
    // Every send under way listens for the cut-off: as many as the transport has lanes, not a leak.
    setMaxListeners(MAX_SENDS_UNDER_WAY, this.cut.signal);
    // Listened to so that the grace starts while every send lane is waiting on the server.
    signal?.addEventListener?.('abort', this.onSignal, { once: true });
    lostSignal?.addEventListener('abort', this.onLost, { once: true });
    if (lostSignal?.aborted) this.onLost();
  }

  /** True once a stop was asked for or the lock was lost: nothing new may start. */
  get requested(): boolean {
    if (this.reason === null && this.signal?.aborted) this.onSignal();
    return this.reason !== null;
  }

  get lockLost(): boolean {
    return this.reason?.kind === 'lost';
  }

  /** Aborted when the sends under way must give up. */
  get cutOff(): AbortSignal {
    return this.cut.signal;
  }

  dispose(): void {
    if (this.grace) clearTimeout(this.grace);
    this.signal?.removeEventListener?.('abort', this.onSignal);
    this.lostSignal?.removeEventListener('abort', this.onLost);
  }

  private begin(reason: StopReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    if (reason.kind === 'signal') this.grace = setTimeout(() => this.cut.abort(), this.graceMs);
  }
}

/** Lets signal handlers and timers run during a long stretch of work that never waits on I/O. */
export function yielder(everyMs: number): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await yieldToEventLoop();
    last = performance.now();
  };
}
