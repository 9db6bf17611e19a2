// Module hooks for a child process that has no cloud SDKs installed: importing
// @aws-sdk/client-s3, @azure/storage-blob or @google-cloud/storage fails as for a missing package (a
// static import of either anywhere would fail the process at start).
import { register } from "node:module";

const hooks = `
const HIDDEN = ["@aws-sdk/client-s3", "@azure/storage-blob", "@google-cloud/storage", "google-auth-library"];
export async function resolve(specifier, context, next) {
  if (HIDDEN.includes(specifier)) {
    const err = new Error("Cannot find package '" + specifier + "' (hidden)");
    err.code = "ERR_MODULE_NOT_FOUND";
    throw err;
  }
  return next(specifier, context);
}
`;
register("data:text/javascript," + encodeURIComponent(hooks));
