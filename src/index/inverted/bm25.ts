// BM25 as Lance scores full-text matches: K1 = 1.2, B = 0.75,
// idf(df, N) = ln((N - df + 0.5) / (df + 0.5) + 1).

export const K1 = 1.2;
export const B = 0.75;

export function bm25Idf(df: number, numDocs: number): number {
  return Math.log((numDocs - df + 0.5) / (df + 0.5) + 1);
}

/** The per-document factor (K1 + 1) * tf / (tf + K1 * (1 - B + B * dl / avgdl)). */
export function bm25TermWeight(tf: number, docLength: number, avgDocLength: number): number {
  const norm = avgDocLength > 0 ? K1 * (1 - B + (B * docLength) / avgDocLength) : K1;
  return ((K1 + 1) * tf) / (tf + norm);
}
