// A child process that appends rows with lancets, for concurrency and kill
// tests. Usage: node --import tsx append-worker.ts <dataset> <firstId> <batches> <rowsPerBatch>
import { Int64, Table, Utf8, vectorFromArray } from "apache-arrow";
import { openDataset } from "../../src/node/open-dataset.js";

const [path, first, batches, rows] = process.argv.slice(2);
let id = Number(first);
for (let b = 0; b < Number(batches); b++) {
  const ids = Array.from({ length: Number(rows) }, () => BigInt(id++));
  const table = new Table({
    id: vectorFromArray(ids, new Int64()),
    label: vectorFromArray(ids.map((i) => `row ${i} ${"x".repeat(Number(i % 50n))}`), new Utf8()),
  });
  const ds = await openDataset(path!);
  await ds.append(table);
}
process.stdout.write("done\n");
