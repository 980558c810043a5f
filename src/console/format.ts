// How the console writes times, durations, sizes and JSON.

/** A duration in ms as people read it: 340 ms, 1.2 s, 3 min 2 s, 2 h 5 min, 3 d 4 h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** An ISO time as `2026-11-30 05:31:07 UTC`. */
export function time(isoTime: string | null | undefined): string {
  if (!isoTime) return "—";
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 19)} UTC`;
}

/** A byte count: 512 B, 12.3 KB, 4.1 MB. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A JSON value as indented text ("null" for undefined). */
export function pretty(value: unknown): string {
  return JSON.stringify(value ?? null, null, 2) ?? "null";
}

/** Milliseconds of an ISO time, or undefined. */
export function ms(isoTime: string | null | undefined): number | undefined {
  if (!isoTime) return undefined;
  const value = Date.parse(isoTime);
  return Number.isNaN(value) ? undefined : value;
}
