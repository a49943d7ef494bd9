import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ReadEvent, type ReadRequest, readRows } from './row-reader.js';

const WORKER = fileURLToPath(new URL('./read-worker.js', import.meta.url));
/** Below this size a thread costs more to start than it saves. */
export const WORKER_MIN_BYTES = 8 << 20;

/** What reads a file's checked rows; the batch id their rows carry is given when reading begins. */
export interface FileRows {
  readonly inWorker: boolean;
  /** The checked rows, each ending with `batchId`. Read once. */
  read(batchId: number): AsyncGenerator<ReadEvent>;
  /** Stops the reader, read or not. */
  close(): Promise<void>;
}

/**
 * The checked rows of a file: read in a worker thread for large files (parsing overlaps the
 * inserts on the main thread), in this thread otherwise, or when running from TypeScript source
 * where there is no compiled worker to start. The thread starts at once, so that it is ready by
 * the time the caller has hashed the file and knows the batch id; it reads nothing until then.
 */
export function openFileRows(request: Omit<ReadRequest, 'batchId'>, workerMinBytes = WORKER_MIN_BYTES): FileRows {
  if (!existsSync(WORKER) || statSync(request.file).size < workerMinBytes) {
    return { inWorker: false, read: (batchId) => readRows({ ...request, batchId }), close: async () => undefined };
  }
  return rowsFromWorker(request);
}

type WorkerMessage = ReadEvent | { type: 'end' } | { type: 'error'; message: string; stack?: string };

function rowsFromWorker(request: Omit<ReadRequest, 'batchId'>): FileRows {
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
  let closed: Promise<unknown> | null = null;
  const close = async () => {
    await (closed ??= worker.terminate());
  };
  async function* read(batchId: number): AsyncGenerator<ReadEvent> {
    worker.postMessage({ type: 'begin', batchId });
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
      await close();
    }
  }
  return { inWorker: true, read, close };
}
