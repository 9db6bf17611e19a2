// `--storage-option key=value` (repeatable): Lance's storage options for
// s3://, az://, abfs[s]://, gs:// and http(s):// datasets, as openDataset takes them.

import { InvalidArgumentError } from "commander";

export interface StorageCliOptions {
  /** Collected from every --storage-option. */
  storageOption?: Record<string, string>;
}

export const STORAGE_OPTION_HELP = "a storage option for s3://, az://, gs:// or http(s):// datasets, e.g. aws_region=us-east-1 (repeatable; Lance's option names; AWS_*, AZURE_STORAGE_* and GOOGLE_* variables fill in the rest)";

export const WORKER_STORAGE_OPTION_HELP =
  "a storage option for the s3:// or az:// datasets of the jobs, e.g. aws_access_key_id=... (repeatable; stays on this machine; AWS_* and AZURE_STORAGE_* variables fill in the rest, then the job's endpoint and region)";

/** Commander's collector: adds one key=value to those given before. */
export function collectStorageOption(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, e.g. aws_region=us-east-1; got "${value}"`);
  return { ...(previous ?? {}), [value.slice(0, eq).trim()]: value.slice(eq + 1) };
}

/** The openDataset / writeDataset options for what was given on the command line. */
export function storageOf(options: StorageCliOptions): { storageOptions?: Record<string, string> } {
  return options.storageOption ? { storageOptions: options.storageOption } : {};
}
