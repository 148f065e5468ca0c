// Small display helpers: byte sizes, shortened ids and hashes.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "0 B", "999 B", "1.5 KiB", "12 MiB" — binary units, at most three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1')} ${UNITS[unit]}`;
}

/** First `head` characters of a long identifier followed by an ellipsis, for compact display. */
export function shorten(text: string, head = 12): string {
  return text.length <= head + 1 ? text : `${text.slice(0, head)}…`;
}

/** Groups a hex string in blocks of four for readability ("a1b2 c3d4 …"). */
export function groupHex(hex: string, groups = 4): string {
  const parts = hex.slice(0, groups * 4).match(/.{1,4}/g) ?? [];
  return parts.join(' ');
}
