// A small least-recently-used set of open files for ranged reads: opening,
// stat-ing and closing a file for every range cost a tenth of a BTREE range
// query's CPU. Only files that never change once written are kept open (Lance
// data and index files, named "*.lance": new contents get a new name); the
// manifests and everything else are opened per read.
// A handle is closed when it is evicted (once the reads using it end), when
// its path is written or deleted through the store, when the store is closed,
// and when no read has used the set for IDLE_CLOSE_MS, so descriptors are
// never left to the garbage collector.

import { open, type FileHandle } from "node:fs/promises";

/** Files kept open per store. */
export const OPEN_FILES = 16;
/** Open files are closed after this long without a read. */
export const IDLE_CLOSE_MS = 2000;

/** Whether a store path names a file written once (a Lance file outside _versions/). */
export function isImmutablePath(path: string): boolean {
  return path.endsWith(".lance") && !path.startsWith("_versions/");
}

interface OpenFile {
  handle: Promise<{ handle: FileHandle; size: number }>;
  users: number;
  /** Evicted or forgotten: closed when its last user is done. */
  retired: boolean;
}

export class FileHandles {
  private readonly files = new Map<string, OpenFile>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly capacity = OPEN_FILES) {}

  /** Files open now (for tests). */
  get openCount(): number {
    return this.files.size;
  }

  /** Runs `read` with the file open (kept open for later reads), and its size when opened. */
  async use<T>(absPath: string, read: (handle: FileHandle, size: number) => Promise<T>): Promise<T> {
    let file = this.files.get(absPath);
    if (file) {
      this.files.delete(absPath);
    } else {
      file = { handle: openWithSize(absPath), users: 0, retired: false };
      const opened = file;
      // a file that fails to open is not kept
      opened.handle.catch(() => {
        if (this.files.get(absPath) === opened) this.files.delete(absPath);
        opened.retired = true;
      });
    }
    this.files.set(absPath, file);
    file.users++;
    this.evict();
    try {
      const { handle, size } = await file.handle;
      return await read(handle, size);
    } finally {
      file.users--;
      if (file.retired && file.users === 0) await closeQuietly(file);
      this.armIdleClose();
    }
  }

  /** Closes the file of this path, if open (it was written or deleted). */
  async forget(absPath: string): Promise<void> {
    const file = this.files.get(absPath);
    if (!file) return;
    this.files.delete(absPath);
    file.retired = true;
    if (file.users === 0) await closeQuietly(file);
  }

  /** Closes every file once the reads using it end. */
  async closeAll(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const files = [...this.files.values()];
    this.files.clear();
    for (const f of files) f.retired = true;
    await Promise.all(files.filter((f) => f.users === 0).map(closeQuietly));
  }

  private evict(): void {
    for (const [path, file] of this.files) {
      if (this.files.size <= this.capacity) break;
      this.files.delete(path);
      file.retired = true;
      if (file.users === 0) void closeQuietly(file);
    }
  }

  private armIdleClose(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.files.size === 0) {
      this.idleTimer = undefined;
      return;
    }
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.closeAll();
    }, IDLE_CLOSE_MS);
    // open files never keep the process alive
    this.idleTimer.unref();
  }
}

async function openWithSize(absPath: string): Promise<{ handle: FileHandle; size: number }> {
  const handle = await open(absPath, "r");
  try {
    const { size } = await handle.stat();
    return { handle, size };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

async function closeQuietly(file: OpenFile): Promise<void> {
  try {
    await (await file.handle).handle.close();
  } catch {
    // failed to open, or already closed
  }
}
