import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ReadEvent, type ReadRequest, readRows } from './row-reader.js';

const WORKER = fileURLToPath(new URL('./read-worker.js', import.meta.url));
/** Below this size a thread costs more to start than it saves. */
export const WORKER_MIN_BYTES = 8 << 20;

/**
 * The checked rows of a file: read in a worker thread for large files (parsing overlaps the
 * inserts on the main thread), in this thread otherwise, or when running from TypeScript source
 * where there is no compiled worker to start.
 */
export function readFileRows(request: ReadRequest, workerMinBytes = WORKER_MIN_BYTES): { events: AsyncGenerator<ReadEvent>; inWorker: boolean } {
  if (!existsSync(WORKER) || statSync(request.file).size < workerMinBytes) return { events: readRows(request), inWorker: false };
  return { events: readRowsInWorker(request), inWorker: true };
}

type WorkerMessage = ReadEvent | { type: 'end' } | { type: 'error'; message: string; stack?: string };

async function* readRowsInWorker(request: ReadRequest): AsyncGenerator<ReadEvent> {
  // A bounded heap keeps the reader's memory flat: it holds two chunks at a time, and V8 would otherwise grow its heap with the allocation rate instead of collecting.
  const worker = new Worker(WORKER, { workerData: request, resourceLimits: { maxOldGenerationSizeMb: 96 } });
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | null = null;
  let failure: Error | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (message: WorkerMessage) => {
    queue.push(message);
    notify();
  });
  worker.on('error', (error) => {
    failure = error;
    notify();
  });
  worker.on('exit', (code) => {
    if (code !== 0 && !failure) failure = new Error(`the file reader stopped with code ${code}`);
    notify();
  });
  try {
    for (;;) {
      while (queue.length === 0 && !failure) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift();
      if (!message) throw failure!;
      if (message.type === 'end') return;
      if (message.type === 'error') throw Object.assign(new Error(message.message), { stack: message.stack });
      worker.postMessage('more');
      yield message;
    }
  } finally {
    await worker.terminate();
  }
}
