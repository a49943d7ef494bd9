import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * A folder of complete, durable files. Each is written beside its name and renamed over it, so a
 * reader never sees half a message; its data is on disk before the rename, and the rename is on
 * disk before `write` resolves. Renames share the folder's sync: one that starts after a rename
 * covers it, so writers that finish together wait for one sync, not one each.
 */
export class Outbox {
  private created: Promise<unknown> | null = null;
  private syncing: Promise<void> | null = null;
  private nextSync: Promise<void> | null = null;

  constructor(private readonly dir: string) {}

  async write(name: string, data: Buffer): Promise<void> {
    const file = path.join(this.dir, name);
    const temp = path.join(this.dir, `.${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await this.createFile(temp);
      try {
        await handle.writeFile(data);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw error;
    }
    await this.syncFolder();
  }

  /** The folder is made once; if it has gone since (removed between scheduled runs), it is made again. */
  private async createFile(file: string): Promise<FileHandle> {
    await (this.created ??= this.makeFolder());
    try {
      return await open(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await (this.created = this.makeFolder());
      return open(file, 'wx');
    }
  }

  /** A failure is not remembered: the next write tries again, after the operator has fixed it. */
  private makeFolder(): Promise<unknown> {
    return mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.created = null;
      throw error;
    });
  }

  /** Resolves once a sync of the folder that began after this call has finished. */
  private syncFolder(): Promise<void> {
    if (!this.syncing) {
      this.syncing = syncDirectory(this.dir).finally(() => (this.syncing = null));
      return this.syncing;
    }
    // One is running, and may have begun before our rename: the next one is ours, shared with
    // every writer that arrives until it starts.
    this.nextSync ??= this.syncing.then(() => {
      this.nextSync = null;
      return this.syncFolder();
    });
    return this.nextSync;
  }
}

/** Makes renames in a folder durable; not every platform can open a folder, and that is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
