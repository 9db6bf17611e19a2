// Byte counts for people: the CLI's output and the explorer's pages print sizes the same way.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 512 -> "512 B", 2048 -> "2.0 KiB", 1.5 * 2^30 -> "1.5 GiB" (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
