// Which storage options a distributed job may carry: endpoint, region and the
// like; never a credential, and nothing whose name is not known to be harmless.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AZURE_OPTION_NAMES } from "../../src/io/azure-blob-store.js";
import { S3_OPTION_NAMES } from "../../src/io/s3-store.js";
import { SHARED_STORAGE_OPTIONS, shareStorageOptions } from "../../src/distributed/shared-storage-options.js";
import { workerStorageOptions } from "../../src/node/bullmq.js";

describe("storage options in distributed jobs", () => {
  test("no spelling of a credential is shared; every spelling of where the store is, is", () => {
    const secrets = [...S3_OPTION_NAMES.accessKeyId, ...S3_OPTION_NAMES.secretAccessKey, ...S3_OPTION_NAMES.sessionToken, ...AZURE_OPTION_NAMES.key, ...AZURE_OPTION_NAMES.sas];
    for (const name of secrets) assert.ok(!SHARED_STORAGE_OPTIONS.has(name), name);
    const places = [...S3_OPTION_NAMES.endpoint, ...S3_OPTION_NAMES.region, ...S3_OPTION_NAMES.allowHttp, ...S3_OPTION_NAMES.virtualHostedStyle, ...AZURE_OPTION_NAMES.account, ...AZURE_OPTION_NAMES.endpoint, ...AZURE_OPTION_NAMES.allowHttp, ...AZURE_OPTION_NAMES.useEmulator];
    for (const name of places) assert.ok(SHARED_STORAGE_OPTIONS.has(name), name);
  });

  test("credentials, unknown names and endpoints with a user's password stay behind", () => {
    const { shared, withheld } = shareStorageOptions({
      aws_endpoint: "http://10.1.0.1:7480",
      AWS_REGION: "eu-west-1",
      allow_http: "true",
      aws_access_key_id: "AKID",
      aws_secret_access_key: "SECRET",
      AWS_SESSION_TOKEN: "TOKEN",
      azure_storage_sas_token: "sv=1&sig=x",
      google_service_account_key: "{...}",
      some_future_option: "x",
      endpoint_url: "https://user:pw@host",
      timeout: "30s",
    });
    assert.deepEqual(shared, { aws_endpoint: "http://10.1.0.1:7480", AWS_REGION: "eu-west-1", allow_http: "true", timeout: "30s" });
    assert.deepEqual(withheld, ["AWS_SESSION_TOKEN", "aws_access_key_id", "aws_secret_access_key", "azure_storage_sas_token", "endpoint_url", "google_service_account_key", "some_future_option"]);
    assert.deepEqual(shareStorageOptions(undefined), { shared: {}, withheld: [] });
  });

  test("a worker's own options and environment come first, the job's fill in the rest", () => {
    const job = { aws_endpoint: "http://job:1", region: "job-region", allow_http: "true" };
    const env = { AWS_SECRET_ACCESS_KEY: "env-secret", AWS_ACCESS_KEY_ID: "env-key", AWS_REGION: "env-region", HOME: "/x" };
    assert.deepEqual(workerStorageOptions("s3://b/t.lance", job, { aws_endpoint: "http://own:2" }, env), {
      aws_endpoint: "http://own:2",
      aws_region: "env-region",
      allow_http: "true",
      aws_access_key_id: "env-key",
      aws_secret_access_key: "env-secret",
    });
    assert.deepEqual(workerStorageOptions("az://c/t.lance", { account_name: "acct", azure_endpoint: "http://e" }, undefined, { AZURE_STORAGE_ACCOUNT_KEY: "k" }), {
      azure_storage_account_name: "acct",
      azure_endpoint: "http://e",
      azure_storage_account_key: "k",
    });
    assert.equal(workerStorageOptions("/data/t.lance", job, { a: "b" }, env), undefined);
    assert.equal(workerStorageOptions("file:///data/t.lance", job, undefined, env), undefined);
  });
});
