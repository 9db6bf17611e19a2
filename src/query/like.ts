// SQL LIKE / ILIKE matching without regular expressions: `%` matches any run
// of characters, `_` exactly one, the escape character makes the next one
// literal. Patterns compile to a list of pieces; matching walks the value
// once per star with the usual last-star backtracking, so time is at most
// O(pattern x value) and no pattern, however long, can overflow or blow up a
// regular expression engine.

/** One pattern element: a literal character, any one character, or any run. */
type Piece = { kind: "char"; ch: string } | { kind: "one" } | { kind: "any" };

export interface LikeMatcher {
  matches(value: string): boolean;
}

/** Case folding of one character: upper then lower case, so final sigma and sigma fold alike. */
function fold(ch: string): string {
  return ch.toUpperCase().toLowerCase();
}

/** Compiles a LIKE pattern; characters are Unicode code points. */
export function compileLike(pattern: string, escape: string, caseInsensitive: boolean): LikeMatcher {
  const pieces: Piece[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === escape && i + 1 < chars.length) pieces.push({ kind: "char", ch: caseInsensitive ? fold(chars[++i]!) : chars[++i]! });
    else if (ch === "%") {
      // runs of % are one %
      if (pieces.at(-1)?.kind !== "any") pieces.push({ kind: "any" });
    } else if (ch === "_") pieces.push({ kind: "one" });
    else pieces.push({ kind: "char", ch: caseInsensitive ? fold(ch) : ch });
  }
  return {
    matches(value: string): boolean {
      const text = Array.from(value);
      if (caseInsensitive) for (let k = 0; k < text.length; k++) text[k] = fold(text[k]!);
      let p = 0;
      let t = 0;
      let star = -1;
      let resume = 0;
      while (t < text.length) {
        const piece = pieces[p];
        if (piece && (piece.kind === "one" || (piece.kind === "char" && piece.ch === text[t]))) {
          p++;
          t++;
        } else if (piece && piece.kind === "any") {
          star = p++;
          resume = t;
        } else if (star >= 0) {
          // let the last % swallow one more character and retry from there
          p = star + 1;
          t = ++resume;
        } else {
          return false;
        }
      }
      while (p < pieces.length && pieces[p]!.kind === "any") p++;
      return p === pieces.length;
    },
  };
}
