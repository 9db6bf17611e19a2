// The cloud SDKs are optional: a process without them opens local datasets
// without ever asking for them, and an s3://, az:// or gs:// URI says which package
// to install.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { writeDataset } from "../../src/node/open-dataset.js";
import { tempDir } from "../helpers/tmp.js";

const ROOT = join(import.meta.dirname, "..", "..");

test("without the SDKs: local datasets open; s3://, az:// and gs:// are NOT_SUPPORTED naming the package", async () => {
  const path = join(tempDir(), "t.lance");
  await writeDataset(path, [{ id: 1 }, { id: 2 }]);
  const script = `
    import { openDataset } from ${JSON.stringify(join(ROOT, "src/node/open-dataset.ts"))};
    const ds = await openDataset(${JSON.stringify(path)});
    console.log("rows " + ds.countRows());
    for (const uri of ["s3://bucket/t.lance", "az://container/t.lance", "gs://bucket/t.lance"]) {
      try {
        await openDataset(uri, { storageOptions: { aws_region: "us-east-1", azure_storage_account_name: "a" } });
        console.log("opened " + uri);
      } catch (err) {
        console.log(err.code + " " + err.message + " | " + err.cause?.message);
      }
    }
  `;
  const child = spawnSync(process.execPath, ["--import", join(ROOT, "test/helpers/hide-sdks.mjs"), "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_EC2_METADATA_DISABLED: "true" },
  });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split("\n");
  assert.equal(lines[0], "rows 2");
  assert.match(lines[1]!, /^NOT_SUPPORTED s3:\/\/ locations need the optional package @aws-sdk\/client-s3@3\.1169\.0/);
  assert.match(lines[2]!, /^NOT_SUPPORTED az:\/\/ and abfs:\/\/ locations need the optional package @azure\/storage-blob@12\.32\.0/);
  // through the hooks, which hide the packages
  assert.match(lines[1]!, /\| Cannot find package '@aws-sdk\/client-s3' \(hidden\)$/);
  assert.match(lines[2]!, /\| Cannot find package '@azure\/storage-blob' \(hidden\)$/);
  assert.match(lines[3]!, /^NOT_SUPPORTED gs:\/\/ locations need the optional package @google-cloud\/storage@7\.22\.0: .*\| Cannot find package '@google-cloud\/storage' \(hidden\)$/);
});
