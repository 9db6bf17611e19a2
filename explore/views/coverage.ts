// The index coverage map: fragments along the x axis, each index's segments
// along the y axis. A filled cell means the segment covers the fragment; each
// index ends with a row of the fragments no segment of it covers (the
// unindexed tail), marked where the fragment's data files carry a seed for the
// index's column. Hovering a segment shows its uuid, fragments, build time,
// size and versions.

import type { DatasetOverview, IndexOverview, SegmentOverview } from "../../src/browser.js";
import { formatBytes, formatCount, formatTime, h, s } from "../dom.js";

const LABEL_WIDTH = 190;
const ROW_HEIGHT = 18;
const GAP = 8;
/** Segment colours: none of them red or orange, which mark unindexed fragments. */
const PALETTE = ["#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#9c755f", "#edc948", "#6b5bd2", "#2f9e8f"];

function segmentText(index: IndexOverview, segment: SegmentOverview, rowsByFragment: Map<number, number>, seeded: number[]): string {
  const rows = segment.fragmentIds.reduce((n, id) => n + (rowsByFragment.get(id) ?? 0), 0);
  return [
    `${index.name} (${index.indexType}) segment ${segment.uuid}`,
    `fragments ${segment.fragmentIds.join(", ")} (${formatCount(rows)} rows now)`,
    `built ${formatTime(segment.createdAt)} at dataset version ${segment.datasetVersion}, index version ${segment.indexVersion}`,
    `${formatBytes(segment.sizeBytes)} in ${segment.files.length} file${segment.files.length === 1 ? "" : "s"}`,
    ...(seeded.length > 0 ? [`fragments ${seeded.join(", ")} carry a seed for ${index.columns[0]} (optimizeIndices reads a ZONEMAP segment from seeds)`] : []),
    ...(segment.ignored !== undefined ? [`not used: ${segment.ignored}`] : []),
  ].join("\n");
}

export function coverageView(overview: DatasetOverview, info: HTMLElement): HTMLElement {
  const fragments = overview.fragments.map((f) => f.id);
  if (overview.indices.length === 0) return h("p", { class: "empty" }, "no indexes");
  const column = new Map(fragments.map((id, i) => [id, i]));
  const rowsByFragment = new Map(overview.fragments.map((f) => [f.id, f.numRows]));
  const seeds = new Map(overview.fragments.map((f) => [f.id, f.seeds]));
  const cell = Math.max(6, Math.min(28, Math.floor(900 / Math.max(1, fragments.length))));
  const labelEvery = Math.ceil(14 / cell);
  const rows = overview.indices.reduce((n, i) => n + i.segments.length + 2, 0);
  const width = LABEL_WIDTH + fragments.length * cell + 4;
  const height = ROW_HEIGHT * (rows + 1) + GAP * overview.indices.length;
  const show = (text: string): void => {
    info.textContent = text;
  };
  const parts: SVGElement[] = [];
  // the fragment axis
  fragments.forEach((id, i) => {
    if (i % labelEvery === 0) parts.push(s("text", { x: LABEL_WIDTH + i * cell + cell / 2, y: ROW_HEIGHT - 5, class: "axis", "text-anchor": "middle" }, String(id)));
  });
  parts.push(s("text", { x: 4, y: ROW_HEIGHT - 5, class: "axis" }, "fragment →"));
  let y = ROW_HEIGHT;
  overview.indices.forEach((index, k) => {
    y += k === 0 ? 0 : GAP;
    const columnName = index.columns[0] ?? "";
    parts.push(s("text", { x: 4, y: y + ROW_HEIGHT - 5, class: "index-label" }, `${index.name} (${index.indexType})`));
    parts.push(s("text", { x: width - 4, y: y + ROW_HEIGHT - 5, class: "axis", "text-anchor": "end" }, `${formatCount(index.numIndexedRows)} indexed · ${formatCount(index.numUnindexedRows)} unindexed`));
    y += ROW_HEIGHT;
    const covered = new Set<number>();
    index.segments.forEach((segment, j) => {
      const text = segmentText(index, segment, rowsByFragment, segment.fragmentIds.filter((id) => seeds.get(id)?.includes(columnName) ?? false));
      const colour = PALETTE[(k * 3 + j) % PALETTE.length]!;
      const g = s(
        "g",
        { class: `segment${segment.ignored !== undefined ? " ignored" : ""}`, "data-index": index.name, "data-segment": segment.uuid, onmouseenter: () => show(text) },
        s("title", {}, text),
        s("text", { x: 14, y: y + ROW_HEIGHT - 5, class: "segment-label" }, `${segment.uuid.slice(0, 8)}  ${formatBytes(segment.sizeBytes)}`),
        s("rect", { x: LABEL_WIDTH, y: y + 1, width: fragments.length * cell, height: ROW_HEIGHT - 2, class: "lane" }),
      );
      for (const id of segment.fragmentIds) {
        const i = column.get(id);
        if (segment.ignored === undefined) covered.add(id);
        // a segment may name fragments this version no longer has (compacted away)
        if (i === undefined) continue;
        g.append(s("rect", { x: LABEL_WIDTH + i * cell + 1, y: y + 2, width: cell - 2, height: ROW_HEIGHT - 4, class: "cell covered", style: `fill:${colour}`, "data-fragment": id }));
      }
      parts.push(g);
      y += ROW_HEIGHT;
    });
    const uncovered = fragments.filter((id) => !covered.has(id));
    const g = s("g", { class: "unindexed", "data-index": index.name }, s("text", { x: 14, y: y + ROW_HEIGHT - 5, class: "segment-label" }, uncovered.length > 0 ? `unindexed (${uncovered.length})` : "unindexed: none"));
    for (const id of uncovered) {
      const i = column.get(id)!;
      const seeded = seeds.get(id)?.includes(columnName) ?? false;
      const text = `fragment ${id}: not covered by ${index.name} (${formatCount(rowsByFragment.get(id) ?? 0)} rows)${seeded ? `; its data files carry a seed for ${columnName}` : ""}`;
      g.append(
        s(
          "rect",
          { x: LABEL_WIDTH + i * cell + 1, y: y + 2, width: cell - 2, height: ROW_HEIGHT - 4, class: `cell uncovered${seeded ? " seeded" : ""}`, "data-fragment": id, onmouseenter: () => show(text) },
          s("title", {}, text),
        ),
      );
    }
    parts.push(g);
    y += ROW_HEIGHT;
  });
  return h("div", { class: "coverage-scroll" }, s("svg", { class: "coverage", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "index coverage map" }, parts));
}
