// A child process that appends one large streamed input to a dataset, for
// kill tests. It prints "uploading" once the first piece of a data file has
// gone to the store, then keeps going until it is done (or killed).
// Usage: node --import tsx stream-append-worker.ts <dataset path or URI> <batches> <rowsPerBatch> [storage options as JSON]
import type { RecordBatch } from "apache-arrow";
import { openDataset } from "../../src/node/open-dataset.js";
import { openObjectStore } from "../../src/node/object-store-uri.js";
import { LocalFileStore } from "../../src/node/fs-store.js";
import { ProbeStore } from "./probe-store.js";
import { streamBatch } from "./stream-batches.js";

const [uri, batches, rows, options] = process.argv.slice(2);
const storageOptions = options ? (JSON.parse(options) as Record<string, string>) : undefined;
const inner = (await openObjectStore(uri!, storageOptions)) ?? new LocalFileStore(uri!);
let announced = false;
const store = new ProbeStore(inner, {
  onWrite: (path) => {
    if (!announced && path.startsWith("data/")) {
      announced = true;
      process.stdout.write("uploading\n");
    }
  },
});
const ds = await openDataset(store);
async function* input(): AsyncGenerator<RecordBatch> {
  for (let b = 0; b < Number(batches); b++) yield streamBatch(1_000_000 + b * Number(rows), Number(rows), 7 + b);
}
await ds.append(input(), { maxRowsPerFile: 1 << 30 });
process.stdout.write("done\n");
