// A private Azure Blob server for tests: Azurite (the npm devDependency) with
// in-memory persistence on a free loopback port, started as a child process
// and stopped by its pid.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { freePort } from "./redis.js";
import { tempDir } from "./tmp.js";

/** Azurite's well-known development account and key. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzureServer {
  /** http://127.0.0.1:<port>/devstoreaccount1 */
  endpoint: string;
  account: string;
  key: string;
  /** Lance's storage options for this server. */
  storageOptions: Record<string, string>;
  createContainer(name: string): Promise<void>;
  /** Stops the server this helper started (by pid) and waits until it is gone. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

export async function startAzurite(): Promise<AzureServer> {
  // a free port can be taken by another process before the server binds it: one more try
  try {
    return await startAzuriteOnce();
  } catch {
    return await startAzuriteOnce();
  }
}

async function startAzuriteOnce(): Promise<AzureServer> {
  const dir = tempDir("lancets-azurite-");
  const port = await freePort();
  const bin = join(import.meta.dirname, "..", "..", "node_modules", "azurite", "dist", "src", "blob", "main.js");
  const child = spawn(
    process.execPath,
    // without --disableTelemetry Azurite's usage reporting asks the cloud metadata address
    // (169.254.169.254), which must never be contacted, and its requests can wait on it
    [bin, "--blobHost", "127.0.0.1", "--blobPort", String(port), "--inMemoryPersistence", "--skipApiVersionCheck", "--extentMemoryLimit", "2048", "--silent", "--disableTelemetry"],
    { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
  );
  started.add(child);
  let log = "";
  child.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    started.delete(child);
  };
  await new Promise<void>((resolve, reject) => {
    // a loaded 2-core machine has been seen to take more than 30 s
    const timer = setTimeout(() => {
      // stopped here: the caller never gets a handle to stop it, and it would keep the test process alive
      clearInterval(poll);
      child.kill("SIGKILL");
      reject(new Error(`Azurite did not start in 90 s: ${log}`));
    }, 90_000);
    const poll = setInterval(() => {
      if (/successfully listen/.test(log)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`Azurite exited with ${code}: ${log}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    account: AZURITE_ACCOUNT,
    key: AZURITE_KEY,
    storageOptions: { azure_storage_account_name: AZURITE_ACCOUNT, azure_storage_account_key: AZURITE_KEY, azure_endpoint: endpoint, allow_http: "true" },
    async createContainer(name: string): Promise<void> {
      const { BlobServiceClient, StorageSharedKeyCredential } = await import("@azure/storage-blob");
      const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
      await service.getContainerClient(name).create();
    },
    stop,
  };
}
