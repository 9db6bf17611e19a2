// A child process that writes one big object through a store's writer and
// never finishes it, for tests that kill a writer mid-upload. It reports the
// bytes accepted so far on stdout, one line per write.
// Usage: node --import tsx object-writer-child.ts <uri or directory> <path> <partBytes>, with the
// storage options as JSON in LANCETS_STORAGE_OPTIONS.

import { openObjectWriter } from "../../src/io/object-store.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";

const [uri, path, part] = process.argv.slice(2);
const partBytes = Number(part);
const storageOptions = JSON.parse(process.env["LANCETS_STORAGE_OPTIONS"] ?? "{}") as Record<string, string>;
const store =
  (await openObjectStore(uri!, storageOptions, { multipartThresholdBytes: partBytes, partBytes, uploadConcurrency: 2 })) ?? new LocalFileStore(uri!);
const writer = await openObjectWriter(store, path!);
const chunk = new Uint8Array(1024 * 1024).map((_, i) => i % 253);
let written = 0;
for (;;) {
  await writer.write(chunk);
  written += chunk.byteLength;
  process.stdout.write(`${written}\n`);
}
