// ObjectStore over the local filesystem. putIfAbsent writes a staging file and
// hard-links it to the final name, which fails atomically when the name is
// taken (the same protocol Lance uses for local manifests); put writes a
// temporary file and renames it over the target, and so does a writer, which
// appends to its temporary file as pieces arrive. Temporary and staging files
// (a writer's may live long, or outlive a killed process) are not listed;
// listPendingUploads finds them, for cleanup to remove once they are old.

import { constants } from "node:fs";
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { CorruptFileError, LanceError } from "../core/errors.js";
import { randomUUID } from "../core/random.js";
import { FileHandles, isImmutablePath } from "./file-handles.js";
import {
  allocateReadBuffer,
  checkReadLength,
  checkStorePath,
  checkWholeRead,
  DEFAULT_MAX_READ_BYTES,
  READ_CHUNK_BYTES,
  type ObjectMeta,
  type ObjectStore,
  type ObjectWriter,
  type PendingUpload,
  type ReadOptions,
} from "../io/object-store.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** Names of put's and a writer's temporary files (`name.<uuid>.tmp`) and putIfAbsent's staging files (`name#<uuid>`). */
const TEMPORARY_NAME = new RegExp(`(\\.${UUID}\\.tmp|#${UUID})$`);

function temporaryName(p: string): string {
  return `${p}.${randomUUID()}.tmp`;
}

function ioError(err: unknown, what: string, path: string): LanceError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new LanceError("NOT_FOUND", `${path} does not exist`, { cause: err });
  if (code === "ENOTDIR") return new LanceError("NOT_FOUND", `${path} does not exist (a parent is not a directory)`, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new LanceError("IO", `cannot ${what} ${path}: ${detail}`, { cause: err });
}

export interface LocalFileStoreOptions {
  /** The largest result of one read (default and upper bound: V8's typed array limit). */
  maxReadBytes?: number;
}

/**
 * Fills `out` from the file at `position` in pieces of at most READ_CHUNK_BYTES
 * (fs.read takes a 32-bit length); returns the bytes read, short at end of file.
 */
async function readChunked(handle: FileHandle, out: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < out.byteLength) {
    const length = Math.min(READ_CHUNK_BYTES, out.byteLength - done);
    const { bytesRead } = await handle.read(out.subarray(done, done + length), 0, length, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Bytes [byteOffset, byteOffset + byteLength) of an open file of `size` bytes. */
async function readRangeOf(handle: FileHandle, size: number, path: string, byteOffset: number, byteLength: number, maxReadBytes: number): Promise<Uint8Array> {
  if (!Number.isSafeInteger(byteOffset) || !Number.isSafeInteger(byteLength) || byteOffset < 0 || byteLength < 0 || byteOffset + byteLength > size) {
    throw new CorruptFileError(path, byteOffset, `read of ${byteLength} bytes passes the end of the file (size ${size})`);
  }
  checkReadLength(path, byteOffset, byteLength, maxReadBytes);
  const out = allocateReadBuffer(path, byteLength);
  const done = await readChunked(handle, out, byteOffset);
  if (done < byteLength) throw new CorruptFileError(path, byteOffset + done, `file ended while reading (size ${size})`);
  return out;
}

export class LocalFileStore implements ObjectStore {
  readonly root: string;
  readonly uri: string;
  readonly maxReadBytes: number;
  /** A listing walks directories and shows only the files in them. */
  readonly listOmitsNonObjects = true;
  /** Lance files kept open between ranged reads (file-handles.ts). */
  private readonly handles = new FileHandles();

  constructor(root: string, options: LocalFileStoreOptions = {}) {
    this.root = root;
    this.uri = root;
    this.maxReadBytes = Math.min(options.maxReadBytes ?? DEFAULT_MAX_READ_BYTES, DEFAULT_MAX_READ_BYTES);
  }

  private abs(path: string, isPrefix = false): string {
    checkStorePath(path, this.uri, isPrefix);
    return join(this.root, ...path.split("/"));
  }

  async size(path: string): Promise<number> {
    const p = this.abs(path);
    try {
      const s = await stat(p);
      if (!s.isFile()) throw new LanceError("IO", `${p} is ${s.isDirectory() ? "a directory" : "not a regular file"}, not an object lancets can read`);
      return s.size;
    } catch (err) {
      if (err instanceof LanceError) throw err;
      throw ioError(err, "stat", p);
    }
  }

  async read(path: string, options?: ReadOptions): Promise<Uint8Array> {
    const p = this.abs(path);
    let handle;
    try {
      handle = await open(p, "r");
      const st = await handle.stat();
      if (!st.isFile()) throw new LanceError("IO", `${p} is ${st.isDirectory() ? "a directory" : "not a regular file"}, not an object lancets can read`);
      checkWholeRead(path, st.size, options, this.maxReadBytes);
      const out = allocateReadBuffer(path, st.size);
      const done = await readChunked(handle, out, 0);
      return done === st.size ? out : out.subarray(0, done);
    } catch (err) {
      if (err instanceof LanceError) throw err;
      throw ioError(err, "read", p);
    } finally {
      await handle?.close();
    }
  }

  async readRange(path: string, byteOffset: number, byteLength: number): Promise<Uint8Array> {
    const p = this.abs(path);
    if (isImmutablePath(path)) {
      try {
        return await this.handles.use(p, (handle, size) => readRangeOf(handle, size, path, byteOffset, byteLength, this.maxReadBytes));
      } catch (err) {
        if (err instanceof LanceError) throw err;
        throw ioError(err, "read", p);
      }
    }
    let handle;
    try {
      handle = await open(p, "r");
    } catch (err) {
      throw ioError(err, "open", p);
    }
    try {
      const { size } = await handle.stat();
      return await readRangeOf(handle, size, path, byteOffset, byteLength, this.maxReadBytes);
    } catch (err) {
      if (err instanceof LanceError) throw err;
      throw ioError(err, "read", p);
    } finally {
      await handle.close();
    }
  }

  /** Closes the files kept open for ranged reads (reads after this open them again). */
  async close(): Promise<void> {
    await this.handles.closeAll();
  }

  async put(path: string, data: Uint8Array): Promise<void> {
    const p = this.abs(path);
    const tmp = temporaryName(p);
    try {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, p);
      await this.handles.forget(p);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw ioError(err, "write", p);
    }
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const p = this.abs(path);
    const staging = `${p}#${randomUUID()}`;
    try {
      await mkdir(dirname(p), { recursive: true });
      await writeFile(staging, data, { flag: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY });
      try {
        await link(staging, p);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw err;
      }
    } catch (err) {
      throw ioError(err, "create", p);
    } finally {
      await unlink(staging).catch(() => undefined);
    }
  }

  async list(prefix: string): Promise<ObjectMeta[]> {
    return this.walkFiles(prefix, false);
  }

  /**
   * Files under `prefix`: the objects, or (`temporary`) the temporary and
   * staging files of writes that have not ended, with their paths.
   */
  private async walkFiles(prefix: string, temporary: boolean): Promise<ObjectMeta[]> {
    // The prefix names a directory when it ends with "/"; otherwise list its parent and filter.
    const dirPart = prefix.endsWith("/") || prefix === "" ? prefix : prefix.slice(0, prefix.lastIndexOf("/") + 1);
    checkStorePath(prefix, this.uri, true);
    const base = this.abs(dirPart, true);
    const out: ObjectMeta[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw ioError(err, "list", dir);
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.isFile() && TEMPORARY_NAME.test(entry.name) === temporary) {
          const rel = relative(this.root, full).split(sep).join("/");
          if (!rel.startsWith(prefix)) continue;
          try {
            const st = await stat(full);
            out.push({ path: rel, size: st.size, lastModified: st.mtimeMs });
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(err, "stat", full);
          }
        }
      }
    };
    await walk(base);
    return out;
  }

  /**
   * Writes that never ended: a writer's or put's temporary file, a
   * putIfAbsent's staging file (left by a killed process), each with the time
   * it was last written as its start (a live writer keeps writing).
   */
  async listPendingUploads(prefix: string): Promise<PendingUpload[]> {
    return (await this.walkFiles(prefix, true)).map((m) => ({ path: m.path.replace(TEMPORARY_NAME, ""), uploadId: m.path, startedAt: m.lastModified ?? 0 }));
  }

  /** Removes the temporary file of a write that never ended; succeeds when it is gone. */
  async abortPendingUpload(upload: PendingUpload): Promise<void> {
    if (!TEMPORARY_NAME.test(upload.uploadId)) throw new LanceError("INVALID_INPUT", `${upload.uploadId} is not the temporary file of a write in ${this.uri}`);
    const p = this.abs(upload.uploadId);
    try {
      await unlink(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(err, "delete", p);
    }
  }

  async delete(path: string): Promise<void> {
    const p = this.abs(path);
    await this.handles.forget(p);
    try {
      await unlink(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(err, "delete", p);
    }
    // Object stores have no directories: a nested directory (such as _indices/<uuid>/) that the
    // last delete emptied goes too. Top-level ones (data/, _versions/) stay.
    const parts = path.split("/");
    if (parts.length >= 3) {
      await rmdir(join(this.root, ...parts.slice(0, -1))).catch(() => undefined);
    }
  }

  /** Appends to a temporary file beside the target as pieces arrive; finish renames it over the target. */
  async openWriter(path: string): Promise<ObjectWriter> {
    const p = this.abs(path);
    const tmp = temporaryName(p);
    let handle: FileHandle;
    try {
      await mkdir(dirname(p), { recursive: true });
      handle = await open(tmp, "wx");
    } catch (err) {
      throw ioError(err, "write", p);
    }
    return new FileWriter(handle, tmp, p, () => this.handles.forget(p));
  }
}

class FileWriter implements ObjectWriter {
  private size = 0;
  private state: "open" | "finished" | "aborted" = "open";
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly tmp: string,
    private readonly target: string,
    /** Closes a file kept open under the target's name, replaced now. */
    private readonly replaced: () => Promise<void>,
  ) {}

  write(chunk: Uint8Array): Promise<void> {
    return this.serial(async () => {
      this.checkOpen("write");
      try {
        // fs.write takes a 32-bit length; a short write continues where it stopped
        let done = 0;
        while (done < chunk.byteLength) {
          const length = Math.min(READ_CHUNK_BYTES, chunk.byteLength - done);
          const { bytesWritten } = await this.handle.write(chunk, done, length, this.size + done);
          done += bytesWritten;
        }
        this.size += done;
      } catch (err) {
        throw ioError(err, "write", this.target);
      }
    });
  }

  finish(): Promise<number> {
    return this.serial(async () => {
      this.checkOpen("finish");
      try {
        await this.handle.close();
        await rename(this.tmp, this.target);
        await this.replaced();
      } catch (err) {
        throw ioError(err, "write", this.target);
      }
      this.state = "finished";
      return this.size;
    });
  }

  abort(): Promise<void> {
    return this.serial(async () => {
      if (this.state !== "open") return;
      this.state = "aborted";
      await this.handle.close().catch(() => undefined);
      try {
        await unlink(this.tmp);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw ioError(err, "discard", this.tmp);
      }
    });
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private checkOpen(what: string): void {
    if (this.state !== "open") throw new LanceError("INTERNAL", `${what} to ${this.target} after the writer finished or aborted`);
  }
}
