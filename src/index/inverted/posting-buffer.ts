// The postings of a partition being built, as they arrive (document order):
// token id, doc id and frequency, in chunks of POSTING_CHUNK entries. A full
// chunk never moves (no doubling, no copy on growth), so the bytes held are
// the postings' own and at most one partly filled chunk, and the write takes
// the postings chunk by chunk, releasing each once read.

/** Most postings per chunk: 12 bytes each, 768 KiB a chunk. */
export const POSTING_CHUNK = 1 << 16;
const MIN_CHUNK = 1 << 8;

/** Postings per chunk for a partition of `partitionBytes`: a power of two, about 1/64 of the partition. */
export function postingChunkFor(partitionBytes: number): number {
  let chunk = MIN_CHUNK;
  while (chunk < POSTING_CHUNK && chunk * 2 * 12 * 64 <= partitionBytes) chunk *= 2;
  return chunk;
}

export class PostingBuffer {
  private tokens: Uint32Array[] = [];
  private docs: Uint32Array[] = [];
  private freqs: Uint32Array[] = [];
  // the chunk being filled
  private tokenChunk = new Uint32Array(0);
  private docChunk = new Uint32Array(0);
  private freqChunk = new Uint32Array(0);
  length = 0;
  private readonly mask: number;

  /** `chunk`: postings per chunk, a power of two. */
  constructor(private readonly chunk = POSTING_CHUNK) {
    this.mask = chunk - 1;
  }

  /** Bytes of the chunks held. */
  get bytes(): number {
    return this.tokens.length * this.chunk * 12;
  }

  push(token: number, doc: number, freq: number): void {
    const at = this.length & this.mask;
    if (at === 0) {
      this.tokenChunk = new Uint32Array(this.chunk);
      this.docChunk = new Uint32Array(this.chunk);
      this.freqChunk = new Uint32Array(this.chunk);
      this.tokens.push(this.tokenChunk);
      this.docs.push(this.docChunk);
      this.freqs.push(this.freqChunk);
    }
    this.tokenChunk[at] = token;
    this.docChunk[at] = doc;
    this.freqChunk[at] = freq;
    this.length++;
  }

  /**
   * Visits the postings in order, chunk by chunk (`count` entries of each
   * array), and releases every chunk once visited: the buffer is empty after.
   */
  drain(visit: (tokens: Uint32Array, docs: Uint32Array, freqs: Uint32Array, count: number) => void): void {
    const n = this.tokens.length;
    for (let c = 0; c < n; c++) {
      const count = c < n - 1 ? this.chunk : this.length - c * this.chunk;
      visit(this.tokens[c]!, this.docs[c]!, this.freqs[c]!, count);
      this.tokens[c] = this.docs[c] = this.freqs[c] = EMPTY;
    }
    this.tokens = [];
    this.docs = [];
    this.freqs = [];
    this.tokenChunk = this.docChunk = this.freqChunk = EMPTY;
    this.length = 0;
  }
}

const EMPTY = new Uint32Array(0);
