import type { StopSignal } from '../errors.js';

/** What a run has recorded so far, for the line it ends with when it cannot finish. */
export class RunProgress {
  /** Partners due in this run. */
  due = 0;
  partners = 0;
  decisions = 0;
  sent = 0;

  committed(partners: number, decisions: number): void {
    this.partners += partners;
    this.decisions += decisions;
  }

  kept(): string {
    if (this.decisions === 0 && this.sent === 0) return 'nothing was recorded';
    return `kept: ${count(this.decisions, 'decision')} recorded for ${count(this.partners, 'partner')}, ${count(this.sent, 'notice')} sent and recorded`;
  }

  /** `waiting`: notices left in the outbox, or null when they could not be counted. */
  stoppedBy(signal: StopSignal, waiting: number | null): string {
    const rest = [
      this.due > this.partners ? `${count(this.due - this.partners, 'partner')} not yet decided` : null,
      waiting === null ? 'the notices not yet sent' : waiting > 0 ? `${count(waiting, 'notice')} waiting in the outbox` : null,
    ].filter(Boolean);
    return `by ${signal} before the run finished; ${this.kept()}${rest.length > 0 ? `; ${rest.join(' and ')} go with the next run` : ''}`;
  }
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
