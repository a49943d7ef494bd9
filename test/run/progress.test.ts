import { describe, expect, it } from 'vitest';
import { RunProgress } from '../../src/run/progress.js';

function progress(values: Partial<Pick<RunProgress, 'due' | 'sent'>> & { committed?: Array<[number, number]> } = {}): RunProgress {
  const result = new RunProgress();
  result.due = values.due ?? 0;
  result.sent = values.sent ?? 0;
  for (const [partners, decisions] of values.committed ?? []) result.committed(partners, decisions);
  return result;
}

describe('RunProgress', () => {
  it('says nothing was recorded until a decision is committed or a notice sent', () => {
    expect(progress({ due: 5 }).kept()).toBe('nothing was recorded');
    expect(progress({ sent: 1 }).kept()).toBe('kept: 0 decisions recorded for 0 partners, 1 notice sent and recorded');
  });

  it('adds up what each commit recorded, in words that agree with the numbers', () => {
    expect(progress({ committed: [[1, 1]] }).kept()).toBe('kept: 1 decision recorded for 1 partner, 0 notices sent and recorded');
    expect(progress({ committed: [[100, 120], [1_150, 1_300]], sent: 2 }).kept()).toBe('kept: 1,420 decisions recorded for 1,250 partners, 2 notices sent and recorded');
  });

  it('after a stop signal, says what was kept and what goes with the next run', () => {
    const stopped = progress({ due: 1_300, committed: [[1_250, 1_420]], sent: 2 });
    expect(stopped.stoppedBy('SIGTERM', 3)).toBe(
      'by SIGTERM before the run finished; kept: 1,420 decisions recorded for 1,250 partners, 2 notices sent and recorded; 50 partners not yet decided and 3 notices waiting in the outbox go with the next run',
    );
    expect(progress({ due: 2, committed: [[1, 1]] }).stoppedBy('SIGINT', 0)).toBe(
      'by SIGINT before the run finished; kept: 1 decision recorded for 1 partner, 0 notices sent and recorded; 1 partner not yet decided goes with the next run',
    );
  });

  it('names the unsent notices without a number when they could not be counted, and nothing when all is done', () => {
    expect(progress({ due: 1, committed: [[1, 1]] }).stoppedBy('SIGTERM', null)).toMatch(/; the notices not yet sent go with the next run$/);
    expect(progress({ due: 1, committed: [[1, 1]], sent: 1 }).stoppedBy('SIGTERM', 0)).toBe(
      'by SIGTERM before the run finished; kept: 1 decision recorded for 1 partner, 1 notice sent and recorded',
    );
    expect(progress().stoppedBy('SIGTERM', 0)).toBe('by SIGTERM before the run finished; nothing was recorded');
  });
});
