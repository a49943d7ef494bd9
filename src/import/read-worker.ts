import { parentPort, workerData } from 'node:worker_threads';
import { type ReadRequest, readRows } from './row-reader.js';

/**
 * Reads and checks a file in a thread of its own while the main thread inserts, from the moment the
 * main thread sends the batch id (it starts the thread first, and hashes the file meanwhile). At most two
 * chunks are in flight: the main thread asks for more as it consumes them, so a slow database
 * makes the reader wait instead of buffering the file in memory.
 */
const port = parentPort!;
let credits = 2;
let wake: (() => void) | null = null;
port.on('message', (message: 'more' | { type: 'begin'; batchId: number }) => {
  if (message === 'more') {
    credits++;
    wake?.();
    wake = null;
  } else {
    void read({ ...(workerData as Omit<ReadRequest, 'batchId'>), batchId: message.batchId });
  }
});

/** Started by the `begin` message, which brings the batch id once the file is known to be new. */
async function read(request: ReadRequest): Promise<void> {
  try {
    for await (const event of readRows(request)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port.postMessage(event);
    }
    port.postMessage({ type: 'end' });
  } catch (error) {
    port.postMessage({ type: 'error', message: (error as Error).message, stack: (error as Error).stack });
  }
  port.close();
}
