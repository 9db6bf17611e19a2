// Lance schema (flat, pre-order lance.file.Field list with logical type
// strings) <-> apache-arrow Schema. Logical type strings follow Lance's
// datatypes: "int64", "timestamp:us:UTC", "fixed_size_list:float:8", ...

import {
  Binary,
  Bool,
  DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  Dictionary,
  Duration,
  Field,
  FixedSizeBinary,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeBinary,
  LargeUtf8,
  List,
  Map_,
  Null,
  Schema,
  Struct,
  Time,
  TimeUnit,
  Timestamp,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from "apache-arrow";
import { utf8Decode, utf8Encode } from "../../core/bytes.js";
import { LanceError } from "../../core/errors.js";
import type { LanceField } from "./types.js";

const UNIT_BY_NAME: Record<string, TimeUnit> = {
  s: TimeUnit.SECOND,
  ms: TimeUnit.MILLISECOND,
  us: TimeUnit.MICROSECOND,
  ns: TimeUnit.NANOSECOND,
};
const NAME_BY_UNIT: Record<number, string> = {
  [TimeUnit.SECOND]: "s",
  [TimeUnit.MILLISECOND]: "ms",
  [TimeUnit.MICROSECOND]: "us",
  [TimeUnit.NANOSECOND]: "ns",
};

function primitiveType(logical: string): DataType | undefined {
  switch (logical) {
    case "null":
      return new Null();
    case "bool":
      return new Bool();
    case "int8":
      return new Int8();
    case "int16":
      return new Int16();
    case "int32":
      return new Int32();
    case "int64":
      return new Int64();
    case "uint8":
      return new Uint8();
    case "uint16":
      return new Uint16();
    case "uint32":
      return new Uint32();
    case "uint64":
      return new Uint64();
    case "halffloat":
      return new Float16();
    case "float":
      return new Float32();
    case "double":
      return new Float64();
    case "string":
      return new Utf8();
    case "large_string":
      return new LargeUtf8();
    case "binary":
      return new Binary();
    case "large_binary":
    case "json":
      return new LargeBinary();
    case "date32:day":
      return new DateDay();
    case "date64:ms":
      return new DateMillisecond();
    default:
      break;
  }
  const parts = logical.split(":");
  const unit = UNIT_BY_NAME[parts[1] ?? ""];
  switch (parts[0]) {
    case "decimal": {
      const bitWidth = Number(parts[1]);
      const precision = Number(parts[2]);
      const scale = Number(parts[3]);
      if (parts.length === 4 && (bitWidth === 128 || bitWidth === 256) && Number.isInteger(precision) && Number.isInteger(scale)) {
        return new Decimal(scale, precision, bitWidth);
      }
      return undefined;
    }
    case "time32":
      if (parts.length === 2 && (unit === TimeUnit.SECOND || unit === TimeUnit.MILLISECOND)) return new Time(unit, 32);
      return undefined;
    case "time64":
      if (parts.length === 2 && (unit === TimeUnit.MICROSECOND || unit === TimeUnit.NANOSECOND)) return new Time(unit, 64);
      return undefined;
    case "duration":
      if (parts.length === 2 && unit !== undefined) return new Duration(unit);
      return undefined;
    case "timestamp": {
      if (parts.length < 3 || unit === undefined) return undefined;
      const tz = parts.slice(2).join(":");
      return new Timestamp(unit, tz === "-" ? null : tz);
    }
    case "fixed_size_binary": {
      const width = Number(parts[1]);
      if (parts.length === 2 && Number.isInteger(width) && width > 0) return new FixedSizeBinary(width);
      return undefined;
    }
    case "fixed_size_list": {
      // fixed_size_list:<element logical type>:<size>; the element type may itself contain ':'
      const size = Number(parts[parts.length - 1]);
      const elementLogical = parts.slice(1, -1).join(":");
      if (!Number.isInteger(size) || size <= 0) return undefined;
      const element = elementLogical === "lance.bfloat16" ? new FixedSizeBinary(2) : primitiveType(elementLogical);
      if (element === undefined) return undefined;
      return new FixedSizeList(size, new Field("item", element, true));
    }
    case "dict": {
      // dict:<value type>:<index type>:<ordered>
      if (parts.length !== 4) return undefined;
      const value = primitiveType(parts[1]!);
      const index = primitiveType(parts[2]!);
      if (value === undefined || index === undefined || !DataType.isInt(index)) return undefined;
      return new Dictionary(value, index as Int32, null, parts[3] === "true");
    }
    default:
      return undefined;
  }
}

function notSupported(field: LanceField): never {
  throw new LanceError("NOT_SUPPORTED", `column "${field.name}" (field id ${field.id}) has Lance logical type "${field.logicalType}" that lancets does not support`);
}

function metadataMap(metadata: Record<string, Uint8Array>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(metadata)) out.set(k, utf8Decode(v));
  return out;
}

function buildField(field: LanceField, childrenOf: Map<number, LanceField[]>): Field {
  const children = childrenOf.get(field.id) ?? [];
  const logical = field.logicalType;
  let type: DataType;
  if (logical === "struct") {
    type = new Struct(children.map((c) => buildField(c, childrenOf)));
  } else if (logical === "list" || logical === "list.struct" || logical === "large_list" || logical === "large_list.struct") {
    // Arrow JS has no LargeList: large lists surface as List (offsets fit in 32 bits for any page lancets decodes).
    if (children.length !== 1) notSupported(field);
    type = new List(buildField(children[0]!, childrenOf));
  } else if (logical === "map") {
    if (children.length !== 1) notSupported(field);
    type = new Map_(buildField(children[0]!, childrenOf) as Field<Struct>);
  } else {
    type = primitiveType(logical) ?? notSupported(field);
  }
  const metadata = metadataMap(field.metadata);
  if (logical === "json" && !metadata.has("ARROW:extension:name")) metadata.set("ARROW:extension:name", "lance.json");
  return new Field(field.name, type, field.nullable, metadata);
}

/** Groups fields by parent id, keeping pre-order. */
export function childrenByParent(fields: readonly LanceField[]): Map<number, LanceField[]> {
  const out = new Map<number, LanceField[]>();
  for (const f of fields) {
    const list = out.get(f.parentId);
    if (list) list.push(f);
    else out.set(f.parentId, [f]);
  }
  return out;
}

export function lanceToArrowSchema(fields: readonly LanceField[], schemaMetadata: Record<string, Uint8Array>): Schema {
  const childrenOf = childrenByParent(fields);
  const top = childrenOf.get(-1) ?? [];
  return new Schema(top.map((f) => buildField(f, childrenOf)), metadataMap(schemaMetadata));
}

/** Lance logical type string for an Arrow type; NOT_SUPPORTED for types Lance cannot store. */
export function arrowToLogicalType(type: DataType, columnName: string): string {
  switch (type.typeId) {
    case Type.Null:
      return "null";
    case Type.Bool:
      return "bool";
    case Type.Int: {
      const t = type as Int32;
      return `${t.isSigned ? "int" : "uint"}${t.bitWidth}`;
    }
    case Type.Float: {
      const t = type as Float32;
      return ["halffloat", "float", "double"][t.precision]!;
    }
    case Type.Utf8:
      return "string";
    case Type.LargeUtf8:
      return "large_string";
    case Type.Binary:
      return "binary";
    case Type.LargeBinary:
      return "large_binary";
    case Type.Decimal: {
      const t = type as Decimal;
      return `decimal:${t.bitWidth}:${t.precision}:${t.scale}`;
    }
    case Type.Date: {
      const t = type as DateDay;
      return t.unit === 0 ? "date32:day" : "date64:ms";
    }
    case Type.Time: {
      const t = type as Time;
      return `time${t.bitWidth}:${NAME_BY_UNIT[t.unit]}`;
    }
    case Type.Timestamp: {
      const t = type as Timestamp;
      return `timestamp:${NAME_BY_UNIT[t.unit]}:${t.timezone ?? "-"}`;
    }
    case Type.Duration: {
      const t = type as Duration;
      return `duration:${NAME_BY_UNIT[t.unit]}`;
    }
    case Type.FixedSizeBinary:
      return `fixed_size_binary:${(type as FixedSizeBinary).byteWidth}`;
    case Type.FixedSizeList: {
      const t = type as FixedSizeList;
      return `fixed_size_list:${arrowToLogicalType(t.children[0]!.type, columnName)}:${t.listSize}`;
    }
    case Type.Struct:
      return "struct";
    case Type.List:
      return DataType.isStruct((type as List).children[0]!.type) ? "list.struct" : "list";
    case Type.Map:
      return "map";
    case Type.Dictionary: {
      const t = type as Dictionary;
      return `dict:${arrowToLogicalType(t.dictionary, columnName)}:${arrowToLogicalType(t.indices, columnName)}:${t.isOrdered ? "true" : "false"}`;
    }
    default:
      throw new LanceError("NOT_SUPPORTED", `column "${columnName}" has Arrow type ${String(type)} that Lance cannot store`);
  }
}

function legacyEncoding(type: DataType): string {
  if (DataType.isUtf8(type) || DataType.isBinary(type) || type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary) return "var_binary";
  if (DataType.isDictionary(type)) return "dictionary";
  if (DataType.isStruct(type)) return "none";
  return "plain";
}

/**
 * Flattens an Arrow schema into Lance fields, assigning ids in pre-order from
 * `firstId`. Used when creating a dataset.
 */
export function arrowToLanceFields(schema: Schema, firstId = 0): LanceField[] {
  const out: LanceField[] = [];
  let nextId = firstId;
  const visit = (field: Field, parentId: number): void => {
    const id = nextId++;
    const metadata: Record<string, Uint8Array> = {};
    for (const [k, v] of field.metadata) metadata[k] = utf8Encode(v);
    out.push({
      id,
      parentId,
      name: field.name,
      logicalType: arrowToLogicalType(field.type, field.name),
      nullable: field.nullable,
      metadata,
      encoding: legacyEncoding(field.type),
      extensionName: "",
      unenforcedPrimaryKey: false,
    });
    if (DataType.isStruct(field.type) || DataType.isList(field.type) || DataType.isMap(field.type)) {
      for (const child of field.type.children) visit(child, id);
    }
  };
  for (const f of schema.fields) visit(f, -1);
  return out;
}
