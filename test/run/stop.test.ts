import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RunStop, stopSignalOf, yielder } from '../../src/run/stop.js';

describe('stopSignalOf', () => {
  it('is the signal the entry point aborted with, SIGTERM when it cannot tell', () => {
    const aborted = (reason: unknown) => {
      const controller = new AbortController();
      controller.abort(reason);
      return controller.signal;
    };
    expect(stopSignalOf(aborted('SIGINT'))).toBe('SIGINT');
    expect(stopSignalOf(aborted('SIGTERM'))).toBe('SIGTERM');
    expect(stopSignalOf(aborted(new Error('other')))).toBe('SIGTERM');
    expect(stopSignalOf(undefined)).toBe('SIGTERM');
  });
});

describe('RunStop', () => {
  it('asks for nothing while neither signal fired', () => {
    const stop = new RunStop(new AbortController().signal, new AbortController().signal, 10);
    expect(stop.requested).toBe(false);
    expect(stop.lockLost).toBe(false);
    expect(stop.cutOff.aborted).toBe(false);
    stop.dispose();
  });

  it('a stop signal stops new work at once and cuts the sends under way off after the grace only', async () => {
    const signal = new AbortController();
    const stop = new RunStop(signal.signal, undefined, 100);
    signal.abort('SIGINT');
    expect(stop.requested).toBe(true);
    expect(stop.reason).toEqual({ kind: 'signal', signal: 'SIGINT' });
    expect(stop.lockLost).toBe(false);
    await sleep(40);
    expect(stop.cutOff.aborted).toBe(false);
    await expect.poll(() => stop.cutOff.aborted, { timeout: 2_000 }).toBe(true);
    stop.dispose();
  });

  it('a lost lock cuts the sends off at once, and a later signal does not change the reason', () => {
    const signal = new AbortController();
    const lost = new AbortController();
    const stop = new RunStop(signal.signal, lost.signal, 60_000);
    const cause = new Error('the connection holding the lock ended');
    lost.abort(cause);
    expect(stop.cutOff.aborted).toBe(true);
    expect(stop.lockLost).toBe(true);
    expect(stop.reason).toEqual({ kind: 'lost', error: cause });
    signal.abort('SIGTERM');
    expect(stop.reason).toEqual({ kind: 'lost', error: cause });
    stop.dispose();
  });

  it('sees a signal or a lost lock that came before it was made', () => {
    const signal = new AbortController();
    signal.abort('SIGTERM');
    const bySignal = new RunStop(signal.signal, undefined, 60_000);
    expect(bySignal.requested).toBe(true);
    expect(bySignal.reason).toEqual({ kind: 'signal', signal: 'SIGTERM' });
    bySignal.dispose();

    const lost = new AbortController();
    lost.abort(new Error('gone'));
    const byLoss = new RunStop(undefined, lost.signal, 60_000);
    expect(byLoss.lockLost).toBe(true);
    expect(byLoss.cutOff.aborted).toBe(true);
    byLoss.dispose();
  });

  it('once disposed, a lost lock neither stops it nor cuts anything off', () => {
    const signal = new AbortController();
    const lost = new AbortController();
    const stop = new RunStop(signal.signal, lost.signal, 10);
    stop.dispose();
    lost.abort(new Error('late'));
    expect(stop.lockLost).toBe(false);
    expect(stop.cutOff.aborted).toBe(false);
  });

  it('disposed during the grace, it never cuts the sends off', async () => {
    const signal = new AbortController();
    const stop = new RunStop(signal.signal, undefined, 30);
    signal.abort('SIGTERM');
    expect(stop.requested).toBe(true);
    stop.dispose();
    await sleep(80);
    expect(stop.cutOff.aborted).toBe(false);
  });
});

describe('yielder', () => {
  it('lets timers run during a busy stretch, but not more often than asked', async () => {
    const yieldNow = yielder(20);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const started = performance.now();
    while (!fired && performance.now() - started < 1_000) await yieldNow();
    expect(fired).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });
});
