// Transactions (transaction.proto): what each version did, stored in
// _transactions/<read_version>-<uuid>.txn and inline in the manifest. lancets
// builds Append, Overwrite and CreateIndex transactions and reads every kind
// far enough to check commit conflicts.

import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CorruptFileError } from "../../core/errors.js";
import {
  Transaction_AppendSchema,
  Transaction_CreateIndexSchema,
  Transaction_OverwriteSchema,
  TransactionSchema,
} from "../pb/transaction_pb.js";
import { fieldToProto, fragmentFromProto, fragmentToProto, indexMetadataFromProto, indexMetadataToProto, safeNumber } from "./proto-convert.js";
import type { Fragment, IndexMetadata, LanceField } from "./types.js";

export type OperationKind =
  | "append"
  | "delete"
  | "overwrite"
  | "createIndex"
  | "rewrite"
  | "merge"
  | "restore"
  | "reserveFragments"
  | "update"
  | "project"
  | "updateConfig"
  | "dataReplacement"
  | "updateMemWalState"
  | "clone"
  | "updateBases"
  | "dataOverlay"
  | "unknown";

export type Operation =
  | { kind: "append"; fragments: Fragment[] }
  | { kind: "overwrite"; fragments: Fragment[]; schema: LanceField[]; schemaMetadata: Record<string, Uint8Array> }
  | { kind: "createIndex"; newIndices: IndexMetadata[]; removedIndices: IndexMetadata[] }
  | { kind: "rewrite"; oldFragmentIds: number[] }
  | { kind: "update"; updatedFragmentIds: number[]; removedFragmentIds: number[]; fieldsModified: number[] }
  | { kind: "delete"; updatedFragmentIds: number[]; deletedFragmentIds: number[] }
  | { kind: Exclude<OperationKind, "append" | "overwrite" | "createIndex" | "rewrite" | "update" | "delete"> };

export interface Transaction {
  readVersion: number;
  uuid: string;
  operation: Operation;
}

export function encodeTransaction(t: Transaction): Uint8Array {
  const op = t.operation;
  let operation: NonNullable<Parameters<typeof create<typeof TransactionSchema>>[1]>["operation"];
  switch (op.kind) {
    case "append":
      operation = { case: "append", value: create(Transaction_AppendSchema, { fragments: op.fragments.map(fragmentToProto) }) };
      break;
    case "overwrite":
      operation = {
        case: "overwrite",
        value: create(Transaction_OverwriteSchema, { fragments: op.fragments.map(fragmentToProto), schema: op.schema.map(fieldToProto), schemaMetadata: { ...op.schemaMetadata } }),
      };
      break;
    case "createIndex":
      operation = {
        case: "createIndex",
        value: create(Transaction_CreateIndexSchema, { newIndices: op.newIndices.map(indexMetadataToProto), removedIndices: op.removedIndices.map(indexMetadataToProto) }),
      };
      break;
    default:
      throw new RangeError(`lancets does not write ${op.kind} transactions`);
  }
  return toBinary(TransactionSchema, create(TransactionSchema, { readVersion: BigInt(t.readVersion), uuid: t.uuid, operation }));
}

export function decodeTransaction(bytes: Uint8Array, path: string): Transaction {
  let pb;
  try {
    pb = fromBinary(TransactionSchema, bytes);
  } catch (err) {
    throw new CorruptFileError(path, undefined, `cannot decode transaction: ${err instanceof Error ? err.message : String(err)}`);
  }
  const o = pb.operation;
  const ids = (frags: { id: bigint }[]): number[] => frags.map((f) => safeNumber(f.id, "fragment id", path));
  let operation: Operation;
  switch (o.case) {
    case "append":
      operation = { kind: "append", fragments: o.value.fragments.map((f) => fragmentFromProto(f, path)) };
      break;
    case "overwrite":
      operation = { kind: "overwrite", fragments: o.value.fragments.map((f) => fragmentFromProto(f, path)), schema: [], schemaMetadata: {} };
      break;
    case "createIndex":
      operation = {
        kind: "createIndex",
        newIndices: o.value.newIndices.map((i) => indexMetadataFromProto(i, path)),
        removedIndices: o.value.removedIndices.map((i) => indexMetadataFromProto(i, path)),
      };
      break;
    case "rewrite":
      operation = { kind: "rewrite", oldFragmentIds: [...ids(o.value.oldFragments), ...o.value.groups.flatMap((g) => ids(g.oldFragments))] };
      break;
    case "update":
      operation = {
        kind: "update",
        updatedFragmentIds: ids(o.value.updatedFragments),
        removedFragmentIds: o.value.removedFragmentIds.map((v) => safeNumber(v, "fragment id", path)),
        fieldsModified: [...o.value.fieldsModified],
      };
      break;
    case "delete":
      operation = { kind: "delete", updatedFragmentIds: ids(o.value.updatedFragments), deletedFragmentIds: o.value.deletedFragmentIds.map((v) => safeNumber(v, "fragment id", path)) };
      break;
    case undefined:
      throw new CorruptFileError(path, undefined, "transaction has no operation");
    default:
      operation = { kind: o.case as Exclude<OperationKind, "append" | "overwrite" | "createIndex" | "rewrite" | "update" | "delete"> };
  }
  return { readVersion: safeNumber(pb.readVersion, "read version", path), uuid: pb.uuid, operation };
}

/** The transaction file name of a transaction. */
export function transactionFileName(t: Pick<Transaction, "readVersion" | "uuid">): string {
  return `${t.readVersion}-${t.uuid}.txn`;
}
