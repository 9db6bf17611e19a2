// NGRAM segment (Lance scalar index "ngram", index_version 0):
//   ngram_postings.lance  tokens UInt32 (nullable), posting_list Binary
//   one row per token, ascending; each posting list is a 64-bit roaring
//   treemap (format/index/roaring-treemap.ts) of the row ids of the rows
//   holding that trigram (index/ngram/tokens.ts); token 0 lists the null rows.
// Details: NGramIndexDetails (empty). The index answers contains(col, 'x')
// "at most": rows holding every trigram of x, rechecked.

import { DataType, type Data } from "apache-arrow";
import { GrowableArray } from "../../core/growable-array.js";
import { LanceError } from "../../core/errors.js";
import { isValidAt } from "../../format/file/leaf-values.js";
import { TYPE_URLS } from "../../format/index/index-type.js";
import { encodeRoaringTreemap } from "../../format/index/roaring-treemap.js";
import { writeArrowFile } from "../../file/file-writer.js";
import type { ObjectStore } from "../../io/object-store.js";
import { binaryData, tableOf, uint32Data } from "../arrow-columns.js";
import type { BuiltSegmentFiles } from "../segment.js";
import type { TrainingInput } from "../training.js";
import { NULL_TOKEN, TOKEN_LIMIT, visitUtf8Tokens } from "./tokens.js";

export const NGRAM_FILE = "ngram_postings.lance";
export const NGRAM_INDEX_VERSION = 0;

/** Whether Lance builds NGRAM indexes over values of this type. */
export function ngramType(type: DataType): boolean {
  return DataType.isUtf8(type) || DataType.isLargeUtf8(type);
}

/**
 * Row ids per token, each row once per token. A row id is kept as its low
 * 32 bits (4 bytes a posting, not 8), with the high word recorded where it
 * changes: rows arrive fragment by fragment, so a list changes high word
 * about once per fragment.
 */
class Postings {
  private readonly lows: (GrowableArray<Uint32Array> | undefined)[] = [];
  /** Per token: pairs (high word, index in lows where it starts). */
  private readonly highs: (number[] | undefined)[] = [];
  /** The last row id added to each token's list (NaN: none). */
  private readonly last = new Float64Array(TOKEN_LIMIT).fill(Number.NaN);

  add(token: number, rowId: number): void {
    const previous = this.last[token]!;
    if (previous === rowId) return;
    this.last[token] = rowId;
    let list = this.lows[token];
    if (!list) this.lows[token] = list = new GrowableArray(Uint32Array, 16);
    const high = Math.floor(rowId / HIGH);
    if (list.length === 0 || Math.floor(previous / HIGH) !== high) {
      const highs = (this.highs[token] ??= []);
      highs.push(high, list.length);
    }
    list.push(rowId - high * HIGH);
  }

  /** Tokens ascending, with their posting lists encoded. */
  finish(): { tokens: number[]; postings: Uint8Array[] } {
    const tokens: number[] = [];
    const postings: Uint8Array[] = [];
    for (let token = 0; token < this.lows.length; token++) {
      const list = this.lows[token];
      if (!list) continue;
      const lows = list.view();
      const highs = this.highs[token]!;
      let ids = new Float64Array(lows.length);
      for (let k = 0; k < highs.length; k += 2) {
        const base = highs[k]! * HIGH;
        const end = k + 2 < highs.length ? highs[k + 3]! : lows.length;
        for (let i = highs[k + 1]!; i < end; i++) ids[i] = base + lows[i]!;
      }
      let sorted = true;
      for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i - 1]! < ids[i]!;
      if (!sorted) {
        ids = ids.sort();
        ids = ids.filter((v, i) => i === 0 || ids[i - 1] !== v);
      }
      tokens.push(token);
      postings.push(encodeRoaringTreemap(ids));
      this.lows[token] = undefined;
      this.highs[token] = undefined;
    }
    return { tokens, postings };
  }
}

const HIGH = 0x1_0000_0000;

function addBatch(postings: Postings, values: Data, rowIds: Float64Array): void {
  const offsets = values.valueOffsets as Int32Array | BigInt64Array;
  const bytes = values.values as Uint8Array;
  const decoder = new TextDecoder();
  const decode = (b: Uint8Array): string => decoder.decode(b);
  const wide = offsets instanceof BigInt64Array;
  for (let i = 0; i < rowIds.length; i++) {
    const rowId = rowIds[i]!;
    if (!isValidAt(values, i)) {
      postings.add(NULL_TOKEN, rowId);
      continue;
    }
    const start = wide ? Number(offsets[i]!) : (offsets[i] as number);
    const end = wide ? Number(offsets[i + 1]!) : (offsets[i + 1] as number);
    visitUtf8Tokens(bytes, start, end, decode, (token) => postings.add(token, rowId));
  }
}

export async function buildNgram(store: ObjectStore, dir: string, input: TrainingInput): Promise<BuiltSegmentFiles> {
  if (!ngramType(input.valueType)) throw new LanceError("INVALID_INPUT", `an NGRAM index needs a string column, not ${String(input.valueType)}`);
  const postings = new Postings();
  for await (const batch of input.batches()) addBatch(postings, batch.values, batch.rowIds);
  const { tokens, postings: lists } = postings.finish();
  const size = await writeArrowFile(
    store,
    `${dir}/${NGRAM_FILE}`,
    tableOf([
      { name: "tokens", data: uint32Data(tokens), nullable: true },
      { name: "posting_list", data: binaryData(lists), nullable: false },
    ]),
  );
  return { files: [{ path: NGRAM_FILE, sizeBytes: size }], details: { typeUrl: TYPE_URLS.NGRAM, value: new Uint8Array(0) }, indexVersion: NGRAM_INDEX_VERSION };
}
