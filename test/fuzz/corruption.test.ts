// The corruption fuzz, bounded for the suite: real Lance datasets (file
// versions 2.0/2.1/2.2, BTREE/BITMAP/FTS/LABEL_LIST indexes by Lance, ZONEMAP
// and multi-segment indexes by lancets, deletions, stable row ids) damaged in
// the ways an attacker would, each case run in a child process. A case passes
// when every operation succeeds or throws a LanceError, nothing hangs, memory
// stays bounded and no row comes from the sentinel dataset beside the copy.
// `npm run fuzz -- --count N [--seed S]` runs more cases.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { join } from "node:path";
import { buildFixtures, type FuzzFixture } from "./fixtures.js";
import type { FuzzCase } from "./mutate.js";
import { formatSummary, runFuzz } from "./runner.js";
import { tempDir } from "../helpers/tmp.js";

const SEED = 20261127;
const COUNT = 120;

let workDir: string;
let fixtures: FuzzFixture[];

before(async () => {
  workDir = tempDir("lancets-fuzz-");
  fixtures = await buildFixtures(join(workDir, "fixtures"));
});

describe("corruption fuzz", () => {
  test("the harness reports a wrong error type, a hang, runaway memory and data from outside the root", async () => {
    const control = (index: number, kind: "type-error" | "hang" | "leak" | "memory"): FuzzCase => ({ seed: 0, index, fixture: fixtures[0]!.name, mutations: [{ target: "control", kind }] });
    const summary = await runFuzz({
      seed: 0,
      count: 0,
      extraCases: [control(-4, "type-error"), control(-3, "hang"), control(-2, "leak"), control(-1, "memory")],
      // generous: the memory control must reach its limit before this even on a busy machine
      timeoutMs: 10_000,
      rssLimitBytes: 600 * 2 ** 20,
      workDir: join(workDir, "control"),
      fixtures,
    });
    const kinds = new Map(summary.results.map((r) => [r.case.index, r]));
    assert.equal(kinds.get(-4)!.failureKind, "defect");
    assert.match(kinds.get(-4)!.failure!, /TypeError/);
    assert.equal(kinds.get(-3)!.failureKind, "hang");
    assert.equal(kinds.get(-2)!.failureKind, "defect");
    assert.match(kinds.get(-2)!.failure!, /outside the root/);
    assert.equal(kinds.get(-1)!.failureKind, "memory");
    assert.match(formatSummary(summary), /replay: npm run fuzz -- --seed 0 --case -3/);
  });

  test(`${COUNT} seeded corruptions of real datasets: LanceError or success only, no hang, bounded memory, nothing from outside the root`, async () => {
    const summary = await runFuzz({ seed: SEED, count: COUNT, concurrency: 2, batchSize: 40, workDir: join(workDir, "seeded"), fixtures });
    const text = formatSummary(summary);
    assert.equal(summary.results.length, COUNT);
    assert.deepEqual(summary.failures.map((f) => f.case.index), [], text);
    // the mix is varied: undamaged-looking reads, detected damage, refused paths and flags
    assert.ok((summary.byCode.ok ?? 0) > 10, text);
    assert.ok((summary.byCode.CORRUPT_FILE ?? 0) > 30, text);
    const refusedPaths = summary.results.filter((r) => r.case.mutations.some((m) => m.target === "manifest" && (m.edit.kind === "data-path" || m.edit.kind === "index-file-path") && r.codes.length > 0));
    assert.ok(refusedPaths.length > 0, "no path edit was exercised");
    assert.ok(summary.maxRssBytes < 1.5 * 2 ** 30, text);
  });
});
