import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../src/log/logger.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  const stream = { isTTY, write: (text: string) => (lines.push(text), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean };
  return { stream, lines };
}

const now = () => new Date('2026-10-15T06:00:00Z');

describe('createLogger', () => {
  it('writes one JSON object per line when not on a terminal, with time, level, message and every field', () => {
    const { stream, lines } = capture(false);
    const log = createLogger({ stream, now }).child({ runId: 7 });
    log.warn('send failed', { partnerId: 'P1', attempt: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2026-10-15T06:00:00.000Z', level: 'warn', msg: 'send failed', runId: 7, partnerId: 'P1', attempt: 2 });
  });

  it('writes readable lines on a terminal, the level before warnings and errors, fields after, the run id left out', () => {
    const { stream, lines } = capture(true);
    const log = createLogger({ stream, now }).child({ runId: 7 });
    log.info('decided 3 partners');
    log.warn('send failed', { partnerId: 'P1', codes: [421, 450] });
    log.error('database lost');
    expect(lines).toEqual(['decided 3 partners\n', 'warn: send failed  partnerId=P1 codes=[421,450]\n', 'error: database lost\n']);
  });

  it('lets json and a stream be chosen whatever the terminal says', () => {
    const { stream, lines } = capture(true);
    createLogger({ stream, now, json: true }).info('x');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', msg: 'x' });
  });

  it('when quiet, drops information but never a warning or an error', () => {
    const { stream, lines } = capture(true);
    const log = createLogger({ stream, quiet: true });
    log.info('progress');
    log.child({ a: 1 }).info('more progress');
    log.warn('w');
    log.error('e');
    expect(lines).toEqual(['warn: w\n', 'error: e\n']);
  });

  it("a child's fields add to its parent's, a message's fields win, and the parent is unchanged", () => {
    const { stream, lines } = capture(false);
    const parent = createLogger({ stream, now }).child({ a: 1, b: 1 });
    parent.child({ b: 2, c: 2 }).info('m', { c: 3 });
    parent.info('p');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>).map(({ a, b, c }) => ({ a, b, c }))).toEqual([
      { a: 1, b: 2, c: 3 },
      { a: 1, b: 1, c: undefined },
    ]);
  });

  it('a silent logger says nothing, and so do its children', () => {
    expect(silentLogger.child({ a: 1 })).toBe(silentLogger);
    expect(() => silentLogger.error('e')).not.toThrow();
  });
});
