// Where the page gets its data. Served by `lancets explore`, it asks the
// server's JSON API (the server opens the dataset with its own credentials);
// as a static page it opens the dataset URL itself through the browser entry
// (HttpStore: ranged GETs, no lancets server). Both answer with the same JSON,
// computed by the same functions (src/dataset/overview.ts).

import { HttpStore, openDataset, readDatasetOverview, readQueryPage, readSearchPage, type Dataset, type DatasetOverview, type QueryPage, type QueryPageOptions, type SearchPage, type SearchPageOptions } from "../src/browser.js";
import type { BuildStatus } from "../src/node/build-status.js";

export interface ExploreSource {
  /** Where the dataset is, as the page names it. */
  readonly label: string;
  /** The overview of a version (the latest when omitted). */
  overview(version?: number): Promise<DatasetOverview>;
  query(version: number, options: QueryPageOptions): Promise<QueryPage>;
  search(version: number, options: SearchPageOptions): Promise<SearchPage>;
  /** The distributed build in the queue, when the server watches one. */
  build?(): Promise<BuildStatus>;
}

/** An error the page shows: the LanceError code and message of the server or of the engine. */
export class ExploreError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function params(values: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}

/** The JSON API of `lancets explore`, under `base`. */
export class ApiSource implements ExploreSource {
  readonly build?: () => Promise<BuildStatus>;

  constructor(
    private readonly base: string,
    readonly label: string,
    withBuild: boolean,
  ) {
    if (withBuild) this.build = () => this.get<BuildStatus>("build", {});
  }

  private async get<T>(path: string, query: Record<string, string | number | boolean | undefined>): Promise<T> {
    const q = params(query);
    const response = await fetch(`${this.base}/${path}${q ? `?${q}` : ""}`);
    const body = (await response.json()) as T | { error: { code: string; message: string } };
    if (!response.ok) {
      const error = (body as { error?: { code: string; message: string } }).error;
      throw new ExploreError(error?.code ?? "IO", error?.message ?? `${path}: HTTP ${response.status}`);
    }
    return body as T;
  }

  overview(version?: number): Promise<DatasetOverview> {
    return this.get("overview", { version });
  }

  query(version: number, o: QueryPageOptions): Promise<QueryPage> {
    return this.get("query", { version, filter: o.filter, offset: o.offset, limit: o.limit, useIndex: o.useIndex });
  }

  search(version: number, o: SearchPageOptions): Promise<SearchPage> {
    return this.get("search", { version, query: o.query, column: o.column, limit: o.limit, filter: o.filter });
  }
}

function asExploreError(err: unknown): ExploreError {
  if (err instanceof ExploreError) return err;
  const code = (err as { code?: unknown }).code;
  return new ExploreError(typeof code === "string" ? code : "INTERNAL", err instanceof Error ? err.message : String(err));
}

/** The dataset at an http(s) URL, read in this page through the browser entry. */
export class DirectSource implements ExploreSource {
  private latest: Promise<Dataset> | undefined;
  private readonly versions = new Map<number, Promise<Dataset>>();

  constructor(readonly label: string) {}

  private async dataset(version?: number): Promise<Dataset> {
    try {
      if (version === undefined) {
        // the latest version is looked up again on each visit without a version
        this.latest = openDataset(new HttpStore(this.label));
        const ds = await this.latest;
        this.versions.set(ds.version, Promise.resolve(ds));
        return ds;
      }
      let ds = this.versions.get(version);
      if (!ds) {
        const base = this.latest ?? openDataset(new HttpStore(this.label));
        ds = base.then((b) => (b.version === version ? b : b.checkout(version)));
        this.versions.set(version, ds);
        ds.catch(() => this.versions.delete(version));
      }
      return await ds;
    } catch (err) {
      throw asExploreError(err);
    }
  }

  async overview(version?: number): Promise<DatasetOverview> {
    const ds = await this.dataset(version);
    return readDatasetOverview(ds).catch((err: unknown) => Promise.reject(asExploreError(err)));
  }

  async query(version: number, options: QueryPageOptions): Promise<QueryPage> {
    const ds = await this.dataset(version);
    return readQueryPage(ds, options).catch((err: unknown) => Promise.reject(asExploreError(err)));
  }

  async search(version: number, options: SearchPageOptions): Promise<SearchPage> {
    const ds = await this.dataset(version);
    return readSearchPage(ds, options).catch((err: unknown) => Promise.reject(asExploreError(err)));
  }
}
