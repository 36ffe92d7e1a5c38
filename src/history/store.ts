import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** One channel's readings within one minute (epoch minute): enough for min, mean, max and count. */
export interface MinuteRecord {
  readonly d: string;
  readonly c: string;
  /** Epoch minute (ms / 60 000). */
  readonly m: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly n: number;
}

export const recordKey = (r: Pick<MinuteRecord, "d" | "c" | "m">): string => `${r.d}\u0000${r.c}\u0000${r.m}`;

export function mergeRecords(a: MinuteRecord, b: MinuteRecord): MinuteRecord {
  return { d: a.d, c: a.c, m: a.m, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max), sum: a.sum + b.sum, n: a.n + b.n };
}

function isRecord(x: unknown): x is MinuteRecord {
  const r = x as Record<string, unknown> | null;
  return typeof r === "object" && r !== null && typeof r["d"] === "string" && typeof r["c"] === "string" && Number.isInteger(r["m"])
    && [r["min"], r["max"], r["sum"]].every((v) => typeof v === "number" && Number.isFinite(v)) && Number.isInteger(r["n"]) && (r["n"] as number) > 0;
}

/**
 * The rollup file: JSON lines appended once a minute. Crash safety: an append cut by a power loss
 * leaves at most one torn last line, which loading skips; compaction writes a new file, fsyncs it
 * and renames it over the old one (atomic on POSIX), then fsyncs the directory.
 */
export function loadRecords(path: string): { records: MinuteRecord[]; skipped: number } {
  if (!existsSync(path)) return { records: [], skipped: 0 };
  const byKey = new Map<string, MinuteRecord>();
  let skipped = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try { parsed = JSON.parse(line); } catch { skipped++; continue; }
    if (!isRecord(parsed)) { skipped++; continue; }
    const key = recordKey(parsed);
    const known = byKey.get(key);
    // A minute written before a restart and again after it is one minute.
    byKey.set(key, known ? mergeRecords(known, parsed) : parsed);
  }
  return { records: [...byKey.values()].sort((a, b) => a.m - b.m), skipped };
}

const line = (r: MinuteRecord): string => `${JSON.stringify({ d: r.d, c: r.c, m: r.m, min: r.min, max: r.max, sum: r.sum, n: r.n })}\n`;

export function appendRecords(path: string, records: readonly MinuteRecord[], sync: boolean): void {
  if (records.length === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a", 0o640);
  try {
    writeSync(fd, records.map(line).join(""));
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function rewriteRecords(path: string, records: readonly MinuteRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  const fd = openSync(temp, "w", 0o640);
  try {
    writeSync(fd, records.map(line).join(""));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), "r");
  try { fsyncSync(dir); } finally { closeSync(dir); }
}
