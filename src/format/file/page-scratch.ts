// Scratch memory for encoding one page after another: the buffers a page
// needs only while it is encoded (a string leaf's offsets, FSST output,
// mini-block chunks before they are laid out in the page) are carved from
// one buffer that the next page reuses, instead of page-sized arrays being
// allocated and dropped for every page. What an encoded page keeps (its
// buffers, dictionaries, symbol tables) is never taken from here.
//
// A writer owns one PageScratch and calls `startPage` before each page;
// everything taken before that may then be overwritten.

/** Scratch buffers are never shrunk below this. */
const MIN_BYTES = 1 << 16;

export class PageScratch {
  private buffer = new ArrayBuffer(MIN_BYTES);
  private used = 0;
  /** Bytes taken since the page started, including those past a grown buffer. */
  private wanted = 0;

  /**
   * Starts the next page: the memory handed out so far is free again. When
   * the last page needed more than the buffer held, the buffer grows to
   * that size, so a steady run of pages takes no new memory.
   */
  startPage(): void {
    if (this.wanted > this.buffer.byteLength) this.buffer = new ArrayBuffer(this.wanted + (this.wanted >>> 3));
    this.used = 0;
    this.wanted = 0;
  }

  /** `byteLength` zeroed bytes starting at a multiple of 8, valid until the next startPage. */
  bytes(byteLength: number): Uint8Array {
    const start = (this.used + 7) & ~7;
    this.wanted = ((this.wanted + 7) & ~7) + byteLength;
    if (start + byteLength > this.buffer.byteLength) {
      // this page needs more than the buffer holds: fresh memory now, a larger buffer from the next page on
      return new Uint8Array(byteLength);
    }
    this.used = start + byteLength;
    const out = new Uint8Array(this.buffer, start, byteLength);
    out.fill(0);
    return out;
  }

  /** `length` zeroed 32-bit words (see bytes). */
  uint32(length: number): Uint32Array {
    const b = this.bytes(4 * length);
    return new Uint32Array(b.buffer, b.byteOffset, length);
  }

  /** `length` zeroed doubles (see bytes). */
  float64(length: number): Float64Array {
    const b = this.bytes(8 * length);
    return new Float64Array(b.buffer, b.byteOffset, length);
  }
}
