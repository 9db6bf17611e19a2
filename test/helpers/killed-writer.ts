// Runs object-writer-child.ts (a writer that never finishes its object) and
// kills it by pid with SIGKILL once it has accepted enough bytes, as a host
// dying mid-upload would.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/**
 * Writes `path` under `root` (a directory or a store URI) in parts of
 * `partBytes` until at least `killAfterBytes` were accepted, then kills the
 * writer; throws if the writer stopped before that or did not die of the kill.
 */
export async function killWriterMidUpload(root: string, path: string, partBytes: number, killAfterBytes: number, storageOptions?: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/helpers/object-writer-child.ts", root, path, String(partBytes)], {
    stdio: ["ignore", "pipe", "pipe"],
    env: storageOptions ? { ...process.env, LANCETS_STORAGE_OPTIONS: JSON.stringify(storageOptions) } : process.env,
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
  let accepted = 0;
  try {
    for await (const line of createInterface({ input: child.stdout! })) {
      accepted = Number(line);
      if (accepted >= killAfterBytes) break;
    }
  } finally {
    child.kill("SIGKILL");
  }
  const signal = await exited;
  if (accepted < killAfterBytes) throw new Error(`the writer stopped after ${accepted} bytes: ${stderr}`);
  if (signal !== "SIGKILL") throw new Error(`the writer ended with ${signal ?? "an exit"}, not the kill: ${stderr}`);
}
