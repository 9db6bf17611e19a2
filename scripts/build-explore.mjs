// Bundles the explorer page (explore/) with esbuild into one script, next to
// its HTML and CSS: everything the page needs, no CDN, nothing of Node.
// `npm run build` writes it to dist/explore/ (shipped in the package; `lancets
// explore` serves it, and it opens datasets over HTTP as a static page);
// bundleExplorePage() gives the same files to the CLI in a source checkout and
// to the tests.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The page's files by name: index.html, explore.js, explore.css. */
export async function bundleExplorePage() {
  const { build } = await import("esbuild");
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["explore/main.ts"],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    // anything of Node left in the graph shows up as an external import and fails the build
    external: ["node:*", ...builtinModules, "bullmq", "ioredis", "piscina"],
  });
  const externals = Object.entries(result.metafile.inputs).flatMap(([input, info]) => info.imports.filter((i) => i.external).map((i) => `${input} imports ${i.path}`));
  if (externals.length > 0) throw new Error(`the explorer page reaches Node:\n${externals.join("\n")}`);
  return {
    "index.html": readFileSync(join(ROOT, "explore", "index.html"), "utf8"),
    "explore.js": result.outputFiles[0].text,
    "explore.css": readFileSync(join(ROOT, "explore", "explore.css"), "utf8"),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(ROOT, "dist", "explore");
  mkdirSync(out, { recursive: true });
  for (const [name, text] of Object.entries(await bundleExplorePage())) writeFileSync(join(out, name), text);
  console.log(`explorer page written to ${out}`);
}
