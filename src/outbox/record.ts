import { crc32 } from "./crc32.js";
import type { Reading } from "../readings/reading.js";

/**
 * One line of an outbox segment: `<crc32 as 8 hex digits> <json>\n`. The checksum tells a torn
 * last line (power cut in the middle of a write) or a flipped bit on the SD card from a real
 * record; such a line is skipped and counted, never trusted.
 */
export type OutboxRecord =
  /** A reading entered the outbox with sequence number `s` at epoch ms `t`. */
  | { readonly k: "add"; readonly s: number; readonly t: number; readonly r: Reading }
  /**
   * These sequence numbers left the outbox (acknowledged, dropped at the bound, or rejected), and
   * every one below `lo` had left when it was written. The watermark and the previous record's
   * ranges, repeated, mean one damaged dead record cannot bring delivered readings back.
   */
  | { readonly k: "dead"; readonly ranges: ReadonlyArray<readonly [number, number]>; readonly lo?: number };

export function encodeRecord(record: OutboxRecord): string {
  const json = record.k === "add" ? JSON.stringify({ s: record.s, t: record.t, r: record.r })
    : JSON.stringify(record.lo !== undefined ? { d: record.ranges, lo: record.lo } : { d: record.ranges });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

/** Parses one line (without its newline); undefined when the checksum or the shape is wrong. */
export function decodeRecord(line: string): OutboxRecord | undefined {
  if (line.length < 10 || line[8] !== " ") return undefined;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v["d"])) {
    const ranges = v["d"].filter((r): r is [number, number] => Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] <= r[1]);
    if (ranges.length !== v["d"].length) return undefined;
    if (v["lo"] === undefined) return { k: "dead", ranges };
    return Number.isSafeInteger(v["lo"]) ? { k: "dead", ranges, lo: v["lo"] as number } : undefined;
  }
  const r = v["r"] as Partial<Reading> | undefined;
  if (!Number.isSafeInteger(v["s"]) || typeof v["t"] !== "number" || typeof r !== "object" || r === null) return undefined;
  if (typeof r.device !== "string" || typeof r.channel !== "string" || typeof r.id !== "string" || typeof r.time !== "number") return undefined;
  if (!["number", "boolean", "string"].includes(typeof r.value)) return undefined;
  return { k: "add", s: v["s"] as number, t: v["t"], r: r as Reading };
}

/** Sorted sequence numbers as inclusive ranges: a run of acks or drops costs one pair, not N numbers. */
export function toRanges(seqs: readonly number[]): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && s <= last[1] + 1) last[1] = Math.max(last[1], s);
    else ranges.push([s, s]);
  }
  return ranges;
}

/** Segment files are named by the first sequence number they may hold, zero-padded so names sort. */
export function segmentName(firstSeq: number): string {
  return `${firstSeq.toString().padStart(16, "0")}.seg`;
}

export function parseSegmentName(name: string): number | undefined {
  const match = /^(\d{16})\.seg$/.exec(name);
  return match ? Number(match[1]) : undefined;
}
