// Index operations as Dataset methods (dataset.createScalarIndex(...), ...).
// They live in the index layer and are attached to the Dataset class here, so
// the table layer does not depend on index code.

import { Dataset } from "../table/dataset.js";
import "./zonemap/seed.js";
import { optimizeIndices, type OptimizeOptions, type OptimizeResult } from "./optimize.js";
import {
  commitExistingIndexSegments,
  createIndexUncommitted,
  createScalarIndex,
  dropIndex,
  mergeExistingIndexSegments,
  type CommitSegmentsOptions,
  type CreateIndexUncommittedOptions,
  type CreateScalarIndexOptions,
  type IndexParams,
} from "./segments-api.js";
import type { IndexSegment } from "./segment.js";

declare module "../table/dataset.js" {
  interface Dataset {
    /** Builds one index segment over `options.fragmentIds`; writes its files, commits nothing. */
    createIndexUncommitted(column: string, indexType: string, options: CreateIndexUncommittedOptions): Promise<IndexSegment>;
    /** Commits segments as the index `name` in one transaction; returns the new version. */
    commitExistingIndexSegments(name: string, column: string, segments: readonly IndexSegment[], options?: CommitSegmentsOptions): Promise<Dataset>;
    /** One uncommitted segment covering the union of `segments`. */
    mergeExistingIndexSegments(segments: readonly IndexSegment[], params?: IndexParams): Promise<IndexSegment>;
    /** Builds and commits a scalar index, one segment per fragment group. */
    createScalarIndex(column: string, indexType: string, options?: CreateScalarIndexOptions): Promise<Dataset>;
    /** Removes every segment of an index; returns the new version. */
    dropIndex(name: string): Promise<Dataset>;
    /** Indexes the fragments each index does not cover yet (zone maps from seeds where planted). */
    optimizeIndices(options?: OptimizeOptions): Promise<OptimizeResult>;
  }
}

Dataset.prototype.createIndexUncommitted = function (this: Dataset, column, indexType, options) {
  return createIndexUncommitted(this, column, indexType, options);
};
Dataset.prototype.commitExistingIndexSegments = function (this: Dataset, name, column, segments, options) {
  return commitExistingIndexSegments(this, name, column, segments, options);
};
Dataset.prototype.mergeExistingIndexSegments = function (this: Dataset, segments, params) {
  return mergeExistingIndexSegments(this, segments, params);
};
Dataset.prototype.createScalarIndex = function (this: Dataset, column, indexType, options) {
  return createScalarIndex(this, column, indexType, options);
};
Dataset.prototype.dropIndex = function (this: Dataset, name) {
  return dropIndex(this, name);
};
Dataset.prototype.optimizeIndices = function (this: Dataset, options) {
  return optimizeIndices(this, options);
};
