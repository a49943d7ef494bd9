export interface Progress {
  update(rows: number, bytesRead: number): void;
  done(): void;
}

const EVERY_MS = 250;

/** One self-overwriting line on a terminal: rows so far, share of the file read, rate. */
export function createProgress(stream: NodeJS.WritableStream, label: string, totalBytes: number, now: () => number = Date.now): Progress {
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update(rows, bytesRead) {
      const at = now();
      if (at - last < EVERY_MS) return;
      last = at;
      const share = totalBytes > 0 ? Math.min(100, Math.floor((bytesRead / totalBytes) * 100)) : 100;
      const seconds = Math.max((at - started) / 1000, 0.001);
      const rate = Math.round(rows / seconds).toLocaleString('en-US');
      stream.write(`\r\x1b[K${label}: ${rows.toLocaleString('en-US')} rows, ${share}% read, ${rate} rows/s`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
