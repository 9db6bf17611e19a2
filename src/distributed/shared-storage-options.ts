// Which storage options a distributed job may carry. Jobs are JSON in a queue
// (Redis) that every host reads, so they carry only options that say where
// and how to reach the store (endpoint, region, account name, timeouts) and
// never credentials: each worker resolves its own from its environment and
// command line. The split is by option name (Lance's names, lower-cased); a
// name not listed here is treated as a secret and stays with the caller.

/** Storage options that hold no secret: sent with distributed jobs. */
export const SHARED_STORAGE_OPTIONS: ReadonlySet<string> = new Set([
  // S3 and S3-compatible servers
  "aws_endpoint",
  "aws_endpoint_url",
  "endpoint",
  "endpoint_url",
  "aws_region",
  "region",
  "aws_default_region",
  "default_region",
  "aws_virtual_hosted_style_request",
  "virtual_hosted_style_request",
  "aws_allow_http",
  "aws_s3_express",
  "aws_unsigned_payload",
  "aws_checksum_algorithm",
  "aws_conditional_put",
  // Azure Blob
  "azure_storage_account_name",
  "account_name",
  "azure_endpoint",
  "azure_storage_endpoint",
  "azure_storage_use_emulator",
  "use_emulator",
  "azure_allow_http",
  "azure_storage_allow_http",
  "azure_use_fabric_endpoint",
  // every store
  "allow_http",
  "allow_invalid_certificates",
  "timeout",
  "connect_timeout",
  "max_retries",
  "retry_timeout",
]);

export interface SharedStorageOptions {
  /** What a job may carry. */
  shared: Record<string, string>;
  /** Names kept back (credentials, and any name not known to be harmless), sorted. */
  withheld: string[];
}

/** An endpoint such as http://user:password@host carries a credential of its own. */
function hasUserInfo(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value);
}

/** Splits storage options into those a job may carry and those it must not. */
export function shareStorageOptions(options: Readonly<Record<string, string>> | undefined): SharedStorageOptions {
  const shared: Record<string, string> = {};
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(options ?? {})) {
    if (SHARED_STORAGE_OPTIONS.has(key.toLowerCase()) && !hasUserInfo(value)) shared[key] = value;
    else withheld.push(key);
  }
  return { shared, withheld: withheld.sort() };
}
