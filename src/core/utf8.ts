// UTF-8 validity of string column bytes. Lance refuses a Utf8 value that is not
// valid UTF-8 (the file is corrupt), so readers check the bytes of each string
// block once, before Arrow data is built. The node layer installs Node's native
// check (buffer.isUtf8); elsewhere a JavaScript one with an ASCII fast path runs.

type Utf8Check = (bytes: Uint8Array) => boolean;

let nativeCheck: Utf8Check | undefined;

/** Installs a faster whole-buffer validity check (the node layer passes buffer.isUtf8). */
export function setUtf8Check(check: Utf8Check): void {
  nativeCheck = check;
}

/** True when `bytes` are valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  if (nativeCheck) return nativeCheck(bytes);
  return firstInvalidUtf8(bytes) < 0;
}

/** Position of the first byte that starts an invalid sequence, or -1 when all bytes are valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  // ASCII runs, four bytes at a time where aligned
  const head = Math.min(n, (4 - (bytes.byteOffset & 3)) & 3);
  while (i < head && bytes[i]! < 0x80) i++;
  while (i < n) {
    if (bytes[i]! < 0x80) {
      if (((bytes.byteOffset + i) & 3) === 0 && i + 4 <= n) {
        const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >> 2);
        let w = 0;
        while (w < words.length && (words[w]! & 0x80808080) === 0) w++;
        i += w * 4;
        if (i >= n) break;
      }
      if (bytes[i]! < 0x80) {
        i++;
        continue;
      }
    }
    const b0 = bytes[i]!;
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
    for (let k = 2; k <= need; k++) {
      const b = bytes[i + k]!;
      if (b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}
