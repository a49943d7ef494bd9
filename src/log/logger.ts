/**
 * Logs go to stderr, never stdout (stdout carries `--json` output). On a terminal: readable lines;
 * otherwise one JSON object per line with a timestamp and the run id, for the container's log
 * collector.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  json?: boolean;
  quiet?: boolean;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}, bound: Record<string, unknown> = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !stream.isTTY;
  const now = options.now ?? (() => new Date());
  const write = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => {
    if (options.quiet && level === 'info') return;
    const all = { ...bound, ...fields };
    if (json) {
      stream.write(`${JSON.stringify({ time: now().toISOString(), level, msg: message, ...all })}\n`);
    } else {
      const extra = Object.entries(all)
        .filter(([key]) => key !== 'runId')
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join(' ');
      const prefix = level === 'info' ? '' : `${level}: `;
      stream.write(`${prefix}${message}${extra ? `  ${extra}` : ''}\n`);
    }
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
