// Walks the pages of a 2.1+ data file on disk, column by column, with each
// page's decoded layout, for tests that check which encodings a file holds.

import { readFileSync } from "node:fs";
import { fromBinary } from "@bufbuild/protobuf";
import { decodeColumnMetadata } from "../../src/format/file/column-metadata.js";
import { decodeFileFooter, decodeOffsetTable } from "../../src/format/file/footer.js";
import { PageLayoutSchema, type PageLayout } from "../../src/format/pb/encodings_v2_1_pb.js";

type FileFooter = ReturnType<typeof decodeFileFooter>;
export type FilePage = ReturnType<typeof decodeColumnMetadata>["pages"][number];

/** `describe` of every page of every column of the file at `path` (columns in file order). */
export function mapFilePages<T>(path: string, describe: (layout: PageLayout["layout"], page: FilePage, footer: FileFooter) => T): T[][] {
  const bytes = new Uint8Array(readFileSync(path));
  const footer = decodeFileFooter(bytes, bytes.length, path);
  const cmo = decodeOffsetTable(bytes.subarray(footer.cmoTablePos), footer.cmoTablePos, footer.numColumns, bytes.length, path, "column");
  return cmo.map((range, c) =>
    decodeColumnMetadata(bytes.subarray(range.position, range.position + range.size), range.position, bytes.length, path, c).pages.map((page) =>
      describe(fromBinary(PageLayoutSchema, page.encoding.value).layout, page, footer),
    ),
  );
}
