// BITMAP, ZONEMAP and FTS segments and zone-map seeds on real object store
// servers (Ceph RGW for S3 and Azurite for Azure Blob, on loopback, one of
// each for this file), with Lance on the same buckets as the oracle.

process.env["AWS_EC2_METADATA_DISABLED"] = "true";
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";

import { after, before, describe } from "node:test";
import { startAzurite, type AzureServer } from "../helpers/azurite.js";
import { cephInstalled, CEPH_PACKAGES, startCephRgw, type S3Server } from "../helpers/ceph-rgw.js";
import { segmentsOnStore } from "../helpers/segments-on-store.js";

const BUCKET = "segments";

describe("index segments on S3 (Ceph RGW)", { timeout: 180_000 }, () => {
  let server: S3Server;
  before(async () => {
    if (!cephInstalled()) throw new Error(`Ceph is not installed: apt-get install --no-install-recommends ${CEPH_PACKAGES.join(" ")} (.ci/run does this)`);
    server = await startCephRgw();
    await server.createBucket(BUCKET);
  });
  after(async () => {
    await server?.stop();
  });
  segmentsOnStore(() => ({ dbUri: `s3://${BUCKET}/db`, storageOptions: server.storageOptions }));
});

describe("index segments on Azure Blob (Azurite)", { timeout: 180_000 }, () => {
  let server: AzureServer;
  before(async () => {
    server = await startAzurite();
    await server.createContainer(BUCKET);
  });
  after(async () => {
    await server?.stop();
  });
  segmentsOnStore(() => ({ dbUri: `az://${BUCKET}/db`, storageOptions: server.storageOptions }));
});
