// Numbers as the report prints them.
export function fmtBytes(n: number): string {
  return `${n.toLocaleString('en-US')} B`;
}

export function fmtMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

/** "41.2 s", "3 min 12 s" */
export function fmtDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
