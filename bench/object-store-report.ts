// The "Object store" section of BENCHMARKS.md from the runs of
// bench/object-store.ts: medians over runs of each run's medians, and the
// ratios lancets / lancedb. replaceSection puts it into an existing report
// (replacing an earlier one) so the other sections need not be rerun.

export const SECTION_TITLE = "## Object store (S3, Ceph RGW on loopback)";

interface Traffic {
  gets: number;
  heads: number;
  lists: number;
  bytes: number;
}

interface QueryStats {
  ms: number;
  traffic: Traffic;
}

interface Build {
  seconds: number;
  /** CPU seconds of the bench process (lancedb's threads or lancets' JavaScript) during the build; absent in older runs. */
  cpuSeconds?: number;
  traffic: Traffic;
  putBytes: number;
  puts: number;
}

export interface EngineRun {
  engine: string;
  table: string;
  open: Traffic;
  lookupCold: QueryStats;
  lookupWarm: QueryStats;
  searchCold: QueryStats;
  searchWarm: QueryStats;
  /** Everything one open fetched for its searches: the warm-up (its first search included) and the warm searches (absent in older runs). */
  searchOpen?: Traffic;
  /** cpuSeconds: CPU of the bench process during the fastest scan (absent in older runs). */
  scan: { rowsPerS: number; traffic: Traffic; cpuSeconds?: number };
  answers: { lookups: string; searches: string[]; scores?: number[][] };
}

export interface ObjectStoreRun {
  rows: number;
  builds: { lancedb: { btree: Build; fts: Build }; lancets: { btree: Build; fts: Build } };
  engines: EngineRun[];
  sameSearches: number;
  /** Searches whose ten scores agree (within 0.1%). */
  sameScores?: number;
  searches: number;
  lookups: number;
  /** One-minute load average at the start, after the builds, at the end. */
  loadavg: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const table = (head: string[], rows: string[][]): string => [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return "n/a";
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return "n/a";
  if (b === 0) return a === 0 ? "1.00" : "n/a";
  return (a / b).toFixed(2);
}

export function objectStoreSection(runs: ObjectStoreRun[], about: { date: string; machine: string }): string {
  const first = runs[0]!;
  const of = (engine: number, pick: (e: EngineRun) => number): number => median(runs.map((r) => pick(r.engines[engine]!)));
  const build = (pick: (r: ObjectStoreRun) => number): number => median(runs.map(pick));
  const kib = (b: number): string => fmt(b / 1024, 1);
  const mib = (b: number): string => fmt(b / 2 ** 20, 1);

  type Row = [string, (e: EngineRun) => number, (x: number) => string];
  const rows: Row[] = [
    ["open: GET + LIST + HEAD requests", (e) => e.open.gets + e.open.lists + e.open.heads, (x) => fmt(x, 1)],
    ["open: KiB", (e) => e.open.bytes, kib],
    ["point lookup, cold: ms", (e) => e.lookupCold.ms, (x) => fmt(x, 1)],
    ["point lookup, cold: GETs", (e) => e.lookupCold.traffic.gets + e.lookupCold.traffic.lists + e.lookupCold.traffic.heads, (x) => fmt(x, 1)],
    ["point lookup, cold: KiB", (e) => e.lookupCold.traffic.bytes, kib],
    ["point lookup, warm: ms", (e) => e.lookupWarm.ms, (x) => fmt(x, 1)],
    ["point lookup, warm: GETs", (e) => e.lookupWarm.traffic.gets + e.lookupWarm.traffic.lists + e.lookupWarm.traffic.heads, (x) => fmt(x, 2)],
    ["point lookup, warm: KiB", (e) => e.lookupWarm.traffic.bytes, kib],
    ["FTS top 10, cold: ms", (e) => e.searchCold.ms, (x) => fmt(x, 1)],
    ["FTS top 10, cold: GETs", (e) => e.searchCold.traffic.gets + e.searchCold.traffic.lists + e.searchCold.traffic.heads, (x) => fmt(x, 1)],
    ["FTS top 10, cold: KiB", (e) => e.searchCold.traffic.bytes, kib],
    ["FTS top 10, warm: ms", (e) => e.searchWarm.ms, (x) => fmt(x, 1)],
    ["FTS top 10, warm: GETs", (e) => e.searchWarm.traffic.gets + e.searchWarm.traffic.lists + e.searchWarm.traffic.heads, (x) => fmt(x, 2)],
    ["FTS top 10, warm: KiB", (e) => e.searchWarm.traffic.bytes, kib],
    ["FTS, one open (4 + 20 searches): GETs", (e) => (e.searchOpen ? e.searchOpen.gets + e.searchOpen.lists + e.searchOpen.heads : NaN), (x) => fmt(x, 0)],
    ["FTS, one open (4 + 20 searches): KiB", (e) => e.searchOpen?.bytes ?? NaN, kib],
    ["full scan: rows/s", (e) => e.scan.rowsPerS, (x) => x.toExponential(2)],
    ["full scan: CPU s", (e) => e.scan.cpuSeconds ?? NaN, (x) => fmt(x, 2)],
    ["full scan: GETs", (e) => e.scan.traffic.gets + e.scan.traffic.lists + e.scan.traffic.heads, (x) => fmt(x, 0)],
    ["full scan: MiB", (e) => e.scan.traffic.bytes, mib],
  ];
  const body = rows.map(([label, pick, show]) => {
    const theirs = of(0, pick);
    const ours = of(1, pick);
    const [beforeOurs, beforeRatio] = BEFORE[label] ?? ["", ""];
    return [label, show(theirs), show(ours), ratio(ours, theirs), runs[0]!.engines[2] ? show(of(2, pick)) : "", beforeOurs, beforeRatio];
  });
  const builds = [
    ["BTREE on id: s", build((r) => r.builds.lancedb.btree.seconds), build((r) => r.builds.lancets.btree.seconds)],
    ["FTS on text: s", build((r) => r.builds.lancedb.fts.seconds), build((r) => r.builds.lancets.fts.seconds)],
    ["BTREE on id: CPU s", build((r) => r.builds.lancedb.btree.cpuSeconds ?? NaN), build((r) => r.builds.lancets.btree.cpuSeconds ?? NaN)],
    ["FTS on text: CPU s", build((r) => r.builds.lancedb.fts.cpuSeconds ?? NaN), build((r) => r.builds.lancets.fts.cpuSeconds ?? NaN)],
    ["BTREE on id: GETs / MiB read", build((r) => r.builds.lancedb.btree.traffic.gets), build((r) => r.builds.lancets.btree.traffic.gets), build((r) => r.builds.lancedb.btree.traffic.bytes), build((r) => r.builds.lancets.btree.traffic.bytes)],
    ["FTS on text: GETs / MiB read", build((r) => r.builds.lancedb.fts.traffic.gets), build((r) => r.builds.lancets.fts.traffic.gets), build((r) => r.builds.lancedb.fts.traffic.bytes), build((r) => r.builds.lancets.fts.traffic.bytes)],
  ].map(([label, a, b, c, d]) => [
    ...(c === undefined
      ? [label as string, fmt(a as number, 2), fmt(b as number, 2), ratio(b as number, a as number)]
      : [label as string, `${fmt(a as number, 0)} / ${mib(c as number)}`, `${fmt(b as number, 0)} / ${mib(d as number)}`, `${ratio(b as number, a as number)} / ${ratio(d as number, c as number)}`]),
    ...(BEFORE[label as string] ?? ["", ""]),
  ]);
  const loads = runs.map((r) => r.loadavg.map((l) => l.toFixed(1)).join(" → ")).join("; ");
  const same = runs.map((r) => `${r.sameSearches} of ${r.searches}${r.sameScores === undefined ? "" : ` (same ten scores: ${r.sameScores})`}`).join(", ");
  const out: string[] = [];
  out.push(SECTION_TITLE, "");
  out.push(
    `Written by \`npm run bench:object-store\` on ${about.date}: ${about.machine}. ` +
      `A single-node Ceph cluster (memstore OSD) with a RADOS Gateway on loopback, and between it and both engines a counting HTTP proxy (its own process) that forwards every request and counts requests and response bytes. ` +
      `lancedb writes ${first.rows.toLocaleString("en-US")} rows (id int64 shuffled within blocks, value float64, category string, text of 2-15 words) twice to one bucket; it builds a BTREE on id and an FTS index on text over one copy, lancets the same over the other. ` +
      `Both engines then query the copy Lance indexed (the same files for the same answer); the last column is lancets over its own indexes. ` +
      `Point lookups select all four columns of \`id = x\` (${first.lookups} ids); searches are ${first.searches} queries, top 10 ids. ` +
      `Cold: a fresh open (new connection, empty caches) per query, the open's own requests counted apart; warm: one open, warmed on other ids and terms, then the same queries. ` +
      `Each figure is the median of ${runs.length} independent runs (each its own server and data) of the median over the queries (warm requests: the mean per query). ` +
      `GETs count every request (ranged and whole GETs, listings, HEADs). Above 1: lancets sends more, fetches more, takes longer, or (rows/s) scans faster.`,
  );
  out.push("");
  out.push(
    `This machine's 2 cores were shared during these runs (1-minute load average at start → after the builds → at the end: ${loads}), so latencies and throughput vary by tens of percent between runs; request and byte counts do not depend on load. ` +
      `Searches returning the same top-10 ids from both engines over Lance's index, per run: ${same}; where the ids differ but the scores agree, rows of equal score at the cut were chosen differently. Every point lookup returned the same row.`,
  );
  out.push("");
  out.push(table(["", "lancedb", "lancets", "lancets / lancedb", "lancets, own indexes", `lancets ${BEFORE_WHEN}`, "ratio before"], body));
  out.push("", "Index builds, each engine on its own copy (requests and bytes read from the bucket during the build):", "");
  out.push(table(["", "lancedb", "lancets", "lancets / lancedb", `lancets ${BEFORE_WHEN}`, "ratio before"], builds));
  out.push("", NOTES);
  return out.join("\n");
}

/** The previous table's lancets figures and ratios (one run, 2026-11-28, load average 29.9-37.0), shown beside the new ones. */
const BEFORE_WHEN = "before (previous run)";
const BEFORE: Record<string, [string, string]> = {
  "open: GET + LIST + HEAD requests": ["2", "0.67"],
  "open: KiB": ["2.0", "0.89"],
  "point lookup, cold: ms": ["407.0", "0.61"],
  "point lookup, cold: GETs": ["15", "0.24"],
  "point lookup, cold: KiB": ["184.1", "0.62"],
  "point lookup, warm: ms": ["170.6", "1.52"],
  "point lookup, warm: GETs": ["7.10", "1.04"],
  "point lookup, warm: KiB": ["36.8", "0.39"],
  "FTS top 10, cold: ms": ["1849.5", "1.60"],
  "FTS top 10, cold: GETs": ["25", "0.58"],
  "FTS top 10, cold: KiB": ["3271.6", "0.30"],
  "FTS top 10, warm: ms": ["145.1", "1.30"],
  "FTS top 10, warm: GETs": ["11", "1.02"],
  "FTS top 10, warm: KiB": ["233.6", "2.32"],
  "FTS, one open (4 + 20 searches): GETs": ["270", "0.98"],
  "FTS, one open (4 + 20 searches): KiB": ["8134.0", "0.51"],
  "full scan: rows/s": ["1.89e+5", "0.19"],
  "full scan: CPU s": ["1.53", "2.55"],
  "full scan: GETs": ["67", "0.74"],
  "full scan: MiB": ["38.2", "1.00"],
  "BTREE on id: s": ["11.97", "19.04"],
  "FTS on text: s": ["107.11", "2.31"],
  "BTREE on id: CPU s": ["1.39", "8.79"],
  "FTS on text: CPU s": ["10.02", "1.45"],
  "BTREE on id: GETs / MiB read": ["23 / 2.4", "1.10 / 1.02"],
  "FTS on text: GETs / MiB read": ["23 / 27.0", "1.15 / 1.01"],
};

/** What the counts showed on 2026-11-27 and 28, and what changed because of them. */
const NOTES = [
  "Notes from the runs of 2026-11-27. Before four read-path changes that day (one run, same setup), lancets sent 16 GETs (189 KiB) per cold lookup and 12 per warm one (it fetched the chunk metadata of index and data pages again for every lookup, and re-read bytes its speculative 64 KiB tail read already held), 18 GETs (14,045 KiB) per cold search and whole id pages (about 500 KiB) to take ten rows, and 54.6 MiB for a full scan of a 37.9 MiB table (scan windows that split a page fetched the whole page once per window). " +
    "Now: the tail is reused, chunk metadata is kept per open file (at most 1 MiB each), rows far apart are taken chunk by chunk, and a window fetches only the chunks it needs (tests: test/file/read-requests.test.ts, test/query/read-requests.test.ts).",
  "",
  "Notes from the runs of 2026-11-28, against the previous table (same setup, load average 21-23): lancets opened with 4 requests, scanned with 93 GETs at 0.17x Lance's rows/s, built the BTREE in 16.08 s (9.93x) with 36 requests, and fetched 21,320 KiB for a cold search over its own index. " +
    "Open: one listing of _versions/ and one GET of the manifest, 2 requests to lancedb's 3 (test/table/versions.test.ts). " +
    "Commits on S3, Azure and GCS no longer write _versions/latest_version_hint.json: lancedb (Lance 12) and pylance 14 write it on local disks only, so it was one PUT per commit more than Lance (an append, proxy-counted beside Lance's on the same bucket: test/helpers/lance-on-store.ts); a bucket served over plain HTTP is found by probing manifest names (README). " +
    "Full scan: a mini-block page's chunk metadata comes in the same request as the first chunks its window needs (the window's share of the page's value bytes and 4 KiB; what the guess missed is fetched after), where it took a request of its own per page and column: 0.75x Lance's requests for the same bytes (test/file/scan-requests.test.ts). " +
    "The scan reads two windows ahead of the one being consumed (at most three in flight or held; test/table/scan-read-ahead.test.ts): from 0.17x Lance's rows/s to 0.24x in a run twenty minutes before this one and 0.82x in this one (lancedb's own throughput fell by two thirds between them: wall times follow the load), and the scan is now bound by CPU, which the CPU row compares (the bench process's CPU during the fastest of two scans: lancedb's threads or lancets' JavaScript; 2.58x in the earlier run). Latencies moved as much between the two runs (a cold search: 1,672 ms then 4,101 ms for lancets, 603 then 668 ms for lancedb); request and byte counts were the same. " +
    "BTREE build: requests through a timing proxy (200,000 and 1,000,000 rows) showed the id column read in eight windows one after another (a round trip of 100-670 ms each under this load) and a commit of three LIST + GET pairs, two HEADs one after the other and a HEAD + GET after publishing. Index builds read through the scan, so with its read-ahead; the commit checks the segment files at once, its first attempt builds on the version just checked, and the new version is opened from the path just written (test/index/build-requests.test.ts). What remains is CPU (the BTREE CPU row: sorting and encoding in JavaScript) and a page_data.lance of 16.0 MB to Lance's 10.0 MB. " +
    "Full-text segments: lancets writes part_N_tokens, _invert and _docs.lance as 2.2, as Lance 12 and 14 write index files (Lance's and pylance's planners use them with equal results: test/index/fts.test.ts, test/compat/pylance-write.test.ts, test/index/inverted/read.test.ts), so a search over lancets' own index fetches its terms' posting lists, not the whole file, and its documents file is compressed as Lance's: a cold search over it fetched 12,027 KiB with only the posting file as 2.2, 3,582 KiB with all three (the last column).",
  "",
  "Where lancets fetched more than Lance before this run: warm searches. Lance's first search after an open reads the whole posting page of part_0_invert.lance (at 200,000 rows 1.43 MB of a 2.2 MB file in one GET; here the 10.7 MB file) and keeps every posting list; its later searches send two reads of about 1 KiB per term and fetch no posting list. lancets fetches a term's posting list when a search first needs it (cold: 0.30x Lance's bytes), so a warm search over terms not seen since the open fetches their lists, about 200 KiB per search here (2.32x Lance's per search), and that grew without bound with the number of new terms. " +
    "Point lookups, warm, send 1.04x Lance's requests for 0.39x its bytes.",
  "",
  "Notes from the run of 2026-11-28 with the last columns (load average 29.9-37.0, higher than the run before it: wall times are not comparable, CPU, requests and bytes are). " +
    "Searches: a partition counts the bytes its posting lists fetched one by one, and once they and the next list would pass half the posting region (the posting column's pages), it reads every row not fetched yet at once, in at most 64 reads that leave out the largest lists it already holds, and keeps them (within the 32 MiB posting budget): the bytes of one open's searches stay about the region's size however many terms are searched (test/index/inverted/posting-region.test.ts: 120 searches over every word of a 20,000-row corpus fetch the region and the first search's bytes within 5%, and the searches after the read of the rest nothing, each with a fresh open's hits and scores). The new row counts everything one open fetched for its 4 warm-up and 20 warm searches: 0.51x Lance's bytes for 0.98x its requests over Lance's index, where the lists fetched stayed under half the region; over lancets' own index they passed it during the measured searches, so those include the read of the rest (598 KiB and 19 requests per search), and the open's total, 15.8 MB, is still under Lance's 16.1 MB. " +
    "Local disks: a local store keeps up to 16 Lance files open between ranged reads (manifests are opened per read; a file written or deleted through the store is closed; close() and 2 s without reads close them all; test/node/file-handles.test.ts): a BTREE range query over 500,000 rows (100 ids, two columns) took 6.5 ms of CPU where it took 15.4 ms opening, stat-ing and closing the file for every range (one process, 300 queries, three rounds, load average about 28). " +
    "BTREE page_data.lance is written as a 2.2 file as Lance writes it (bit-packed mini-block pages), where it was 2.0: 4.84 MB to Lance's 4.78 MB for 1,000,000 int64 ids shuffled within blocks of 1,000 (the 2.0 file took 16 bytes a row), and Lance 12's and pylance 14's planners use it with a full scan's rows (test/index/btree/page-data-version.test.ts, test/compat/index-compat.test.ts). Its build CPU on S3 is 1.39 s (1.56 s before); a profile at 300,000 rows puts the AWS SDK and HTTP (signing, middleware, sockets) at about an eighth of it and the rest in JavaScript the build and the writer run on any store: the training scan (about a fifth), key runs and their merge (about a fifth), and the 2.2 encoder (about a fifth, a third of which is a dictionary tried and abandoned on every page of distinct ids). " +
    "Full scan: a profile of a 300,000-row scan from S3 puts the SDK, HTTP and response streams together under a tenth of its CPU (about 150 of 1,650 ms) and the rest in decoding (FSST strings alone about half), so the CPU row's ratio (2.55x here, lancedb's own CPU fell from 0.85 s to 0.60 s between the runs) is decode work, not the store's.",
  "",
  "Notes from the run of 2026-11-28 against the previous table (load average 19.1-20.8; the previous run's was 29.9-37.0, so wall times are not comparable; CPU, requests and bytes are). " +
    "Searches: an open's first search still fetches only its terms' posting lists (cold: 0.30x Lance's bytes, unchanged); the next search that needs a list not held reads the rest of the posting region at once and keeps it (within the 32 MiB posting budget), as Lance reads the whole posting page on its first search, so every later search fetches no posting list. Warm searches went from 233.6 KiB and 11 requests to 24.6 KiB and 9.15 (0.24x and 0.85x Lance's; what is left is taking the ten rows' ids, chunk by chunk), and everything one open fetched for its 4 + 20 searches from 8,134 KiB (0.51x) to 13,038 KiB (0.81x: the rest is now read within the warm-up) in 232 requests (0.84x) (test/index/inverted/posting-region.test.ts: over Lance 12's segment and lancets' own, the first search fetches its lists, the second the rest in at most 64 reads a partition, the 119 after it nothing, and the total stays within the region and the first search; each with a fresh open's hits and scores). " +
    "lancets' own index cost more per search than Lance's (cold 44 GETs and 3,582 KiB, warm 19 GETs and 598 KiB, one open 455 requests) because it had three partitions where Lance's has one: an FTS build writes a partition each time a quarter of its 256 MiB budget fills (about a third of these 1,000,000 documents), and every search opened and read the token set, documents file and posting list of each. Lance's builder merges its partitions before it commits; lancets now does too when the partitions' documents and token sets fit half the budget (here; the 20M-document build of Index builds at scale keeps its partitions), re-encoding each token's postings with block maxima over all documents, and writes the merged posting file in pages of up to 16 MiB of blocks as Lance does: one partition of 9.9 MB of postings (Lance 10.7 MB), and a cold search over it sends 25 requests for 3,312 KiB, as over Lance's index (test/index/inverted/merge.test.ts: the merged files hold what the one-partition build writes, Lance 12's planner returns its own index's rows and scores over them and pylance 14's lancets' hits and scores). The merge costs build time: 14.50 s of CPU where the unmerged build took 11.25 s in a run an hour earlier (same setup), and 83 GETs (40.1 MiB) to read the partitions back where the build read 23 (26.9 MiB); its posting windows of 262,144 postings could be larger. " +
    "Point lookups, warm: the extra requests were chunk metadata. A lookup in a data-file page not seen since the open fetched each column's chunk metadata first (4 requests before its 4 chunk reads), where Lance loads every page's metadata on its first lookup (63 GETs cold). Now a row read that needs a page of a column whose metadata is held for another page fetches the metadata of every mini-block page of that column in the same round (up to 64 buffers, within half the 1 MiB metadata budget), so the lookups after it fetch their chunks in one round trip: 5.90 requests per warm lookup (0.86x Lance's), 5.0 over lancets' own BTREE, and a cold lookup still 15 (a lookup reads its filter column and then the row's other columns in one page, which fetches that page's metadata only; test/file/read-requests.test.ts). Counted through a local store for the same queries, one open's 5 + 20 lookups fetch as many requests as before (195), the metadata reads moved into the second lookup. " +
    "Builds and scans are other work: the BTREE build's CPU (2.07 s, 1.39 s in the previous run) and the full scan's CPU (1.71 s, 1.64x lancedb's) are measured here, not changed.",
].join("\n");

/** The object-store section of `md`, if it has one. */
export function extractSection(md: string): string | undefined {
  const start = md.indexOf(SECTION_TITLE);
  if (start < 0) return undefined;
  const next = md.indexOf("\n## ", start + SECTION_TITLE.length);
  return md.slice(start, next < 0 ? undefined : next).trimEnd();
}

/** `md` with the object-store section replaced by `section` (or appended when it has none). */
export function replaceSection(md: string, section: string): string {
  const start = md.indexOf(SECTION_TITLE);
  if (start < 0) return `${md.trimEnd()}\n\n${section}\n`;
  const next = md.indexOf("\n## ", start + SECTION_TITLE.length);
  return `${md.slice(0, start)}${section}\n${next < 0 ? "" : md.slice(next)}`;
}
