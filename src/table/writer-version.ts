// The version lancets records as writer_version in the manifests it writes.
export const LANCETS_VERSION = "0.1.0";
