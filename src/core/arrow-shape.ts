// Recognising apache-arrow values by their shape rather than by `instanceof`:
// a Table or RecordBatch made by another copy of apache-arrow (the caller's
// own version, or the same version installed twice) is not an instance of
// the classes lancets imports, but it has the same structure.

import type { RecordBatch, Schema, Table } from "apache-arrow";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function isArrowSchema(value: unknown): value is Schema {
  return isObject(value) && Array.isArray(value.fields) && value.metadata instanceof Map;
}

export function isArrowRecordBatch(value: unknown): value is RecordBatch {
  if (!isObject(value) || !isArrowSchema(value.schema) || typeof value.numRows !== "number") return false;
  const data = value.data as Record<string, unknown> | undefined;
  return isObject(data) && Array.isArray(data.children) && isObject(data.type);
}

export function isArrowTable(value: unknown): value is Table {
  return isObject(value) && isArrowSchema(value.schema) && Array.isArray(value.batches) && typeof value.numRows === "number";
}
