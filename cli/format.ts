/** Small formatters shared by the commands' output. */

export const count = (n: number | undefined) => (n ?? 0).toLocaleString('en-US');

/** `1.2 s`, `3 min 4 s`, `2 h 5 min`. */
export function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An ISO time without milliseconds, or `-`. */
export const time = (at: Date | string | number | undefined) =>
  at === undefined ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Items per second over `ms`, or undefined when too short to say. */
export const rate = (items: number, ms: number) => (ms >= 200 ? Math.round((items * 1000) / ms) : undefined);

/** Fixed-width columns: every row padded to the widest cell of its column. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Parses a JSON string, or undefined. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
