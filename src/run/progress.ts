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
    const undecided = this.due - this.partners;
    const rest = [
      undecided > 0 ? { text: `${count(undecided, 'partner')} not yet decided`, one: undecided === 1 } : null,
      waiting === null ? { text: 'the notices not yet sent', one: false } : waiting > 0 ? { text: `${count(waiting, 'notice')} waiting in the outbox`, one: waiting === 1 } : null,
    ].filter((part) => part !== null);
    // "1 partner … goes", but "1 partner and 1 notice … go".
    const verb = rest.length === 1 && rest[0]!.one ? 'goes' : 'go';
    return `by ${signal} before the run finished; ${this.kept()}${rest.length > 0 ? `; ${rest.map((part) => part.text).join(' and ')} ${verb} with the next run` : ''}`;
  }
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}
