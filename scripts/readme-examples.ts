// Keeps the code blocks of README.md that show an example equal to the file
// under examples/ they come from. A block is marked by the line
//   <!-- example: examples/name.ts -->
// right before its ```ts fence.
//   node --import tsx scripts/readme-examples.ts          check (exit 1 on a difference)
//   node --import tsx scripts/readme-examples.ts --write  rewrite the blocks from the files
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const MARKER = /^<!-- example: (examples\/[\w.-]+) -->$/;

export interface ExampleBlock {
  file: string;
  /** The block's text in README.md. */
  shown: string;
  /** The file's text. */
  actual: string;
}

/** Every marked block of the README and the file it shows. */
export function exampleBlocks(readme = readFileSync(join(ROOT, "README.md"), "utf8")): ExampleBlock[] {
  const lines = readme.split("\n");
  const out: ExampleBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!);
    if (!m) continue;
    if (lines[i + 1] !== "```ts") throw new Error(`README.md line ${i + 2}: a \`\`\`ts block must follow ${lines[i]}`);
    const end = lines.indexOf("```", i + 2);
    out.push({ file: m[1]!, shown: lines.slice(i + 2, end).join("\n"), actual: readFileSync(join(ROOT, m[1]!), "utf8").replace(/\n$/, "") });
  }
  return out;
}

function rewrite(readme: string): string {
  const lines = readme.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf("```", i + 2);
    const body = readFileSync(join(ROOT, m[1]!), "utf8").replace(/\n$/, "").split("\n");
    lines.splice(i + 2, end - (i + 2), ...body);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = join(ROOT, "README.md");
  const readme = readFileSync(path, "utf8");
  if (process.argv.includes("--write")) {
    writeFileSync(path, rewrite(readme));
  } else {
    const stale = exampleBlocks(readme).filter((b) => b.shown !== b.actual);
    for (const b of stale) console.error(`README.md shows an outdated ${b.file}; run node --import tsx scripts/readme-examples.ts --write`);
    process.exitCode = stale.length > 0 ? 1 : 0;
  }
}
