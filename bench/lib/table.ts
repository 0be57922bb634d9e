// Plain-text tables for the terminal: the numbers first, bench.json has everything.
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fix = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '-');
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
