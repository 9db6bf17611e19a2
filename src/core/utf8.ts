// UTF-8 validity of string column bytes. Lance refuses a Utf8 value that is not
// valid UTF-8 (the file is corrupt), so readers check the bytes of each string
// block once, before Arrow data is built. Plain JavaScript, so it runs on every
// platform: ASCII runs are skipped a word at a time.

/** True when every byte is below 0x80 (ASCII, so valid UTF-8 whose every byte starts a character); checked a word at a time. */
export function isAscii(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const lead = (4 - (bytes.byteOffset & 3)) & 3;
  const head = Math.min(n, lead);
  let acc = 0;
  for (let i = 0; i < head; i++) acc |= bytes[i]!;
  const words = head === lead ? new Uint32Array(bytes.buffer, bytes.byteOffset + head, (n - head) >> 2) : new Uint32Array(0);
  // eight words between checks: a non-ASCII byte is found at most 28 bytes late
  const blocks = words.length & ~7;
  for (let w = 0; w < blocks; w += 8) {
    acc |= words[w]! | words[w + 1]! | words[w + 2]! | words[w + 3]! | words[w + 4]! | words[w + 5]! | words[w + 6]! | words[w + 7]!;
    if ((acc & 0x80808080) !== 0) return false;
  }
  for (let w = blocks; w < words.length; w++) acc |= words[w]!;
  for (let i = head + words.length * 4; i < n; i++) acc |= bytes[i]!;
  return (acc & 0x80808080) === 0;
}

/** True when `bytes` are valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  return firstInvalidUtf8(bytes) < 0;
}

/** Position of the first byte that starts an invalid sequence, or -1 when all bytes are valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  // ASCII runs are skipped four bytes at a time through one aligned word view
  const lead = (4 - (bytes.byteOffset & 3)) & 3;
  const head = Math.min(n, lead);
  const words = head === lead ? new Uint32Array(bytes.buffer, bytes.byteOffset + head, (n - head) >> 2) : new Uint32Array(0);
  const wordsEnd = head + words.length * 4;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      if (i >= head && i < wordsEnd && ((i - head) & 3) === 0) {
        let w = (i - head) >> 2;
        while (w < words.length && (words[w]! & 0x80808080) === 0) w++;
        i = head + w * 4;
      }
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) min = 0xa0; // overlong
      if (b0 === 0xed) max = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) min = 0x90; // overlong
      if (b0 === 0xf4) max = 0x8f; // past U+10FFFF
    } else return i;
    if (i + need >= n) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < min || b1 > max) return i;
    if (need >= 2) {
      const b2 = bytes[i + 2]!;
      if (b2 < 0x80 || b2 > 0xbf) return i;
      if (need === 3) {
        const b3 = bytes[i + 3]!;
        if (b3 < 0x80 || b3 > 0xbf) return i;
      }
    }
    i += need + 1;
  }
  return -1;
}
