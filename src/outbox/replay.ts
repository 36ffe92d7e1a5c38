import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeRecord, parseSegmentName, segmentName } from "./record.js";
import type { OutboxEntry } from "./types.js";

export interface Segment {
  readonly first: number;
  readonly file: string;
  /** Readings of this segment still in the outbox. */
  live: number;
}

/**
 * Everything on disk: adds minus dead marks, in seq order. Dead marks apply whatever file holds
 * them; a seq below the highest `lo` watermark seen has left too, even if its own mark is damaged.
 */
export function replayDir(dir: string): { entries: Array<{ entry: OutboxEntry; first: number }>; segments: Segment[]; nextSeq: number; corrupt: number } {
  const firsts = readdirSync(dir).map(parseSegmentName).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
  const adds = new Map<number, { entry: OutboxEntry; first: number }>();
  const dead: Array<[number, number]> = [];
  let corrupt = 0;
  let maxSeq = 0;
  let lo = 0;
  for (const first of firsts) {
    const lines = readFileSync(join(dir, segmentName(first)), "utf8").split("\n");
    const tail = lines.pop();
    if (tail) corrupt++; // no newline: a write torn by a power cut
    for (const line of lines) {
      const record = decodeRecord(line);
      if (!record) { corrupt++; continue; }
      if (record.k === "add") {
        adds.set(record.s, { entry: { seq: record.s, reading: record.r, acceptedAt: record.t }, first });
        maxSeq = Math.max(maxSeq, record.s);
      } else {
        for (const range of record.ranges) { dead.push([range[0], range[1]]); maxSeq = Math.max(maxSeq, range[1]); }
        if (record.lo !== undefined) { lo = Math.max(lo, record.lo); maxSeq = Math.max(maxSeq, record.lo - 1); }
      }
    }
  }
  const merged = mergeRanges(dead);
  const isDead = (seq: number): boolean => {
    if (seq < lo) return true;
    let low = 0;
    let high = merged.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const [a, b] = merged[mid]!;
      if (seq < a) high = mid - 1;
      else if (seq > b) low = mid + 1;
      else return true;
    }
    return false;
  };
  const entries = [...adds.values()].filter((a) => !isDead(a.entry.seq)).sort((a, b) => a.entry.seq - b.entry.seq);
  const live = new Map<number, number>();
  for (const e of entries) live.set(e.first, (live.get(e.first) ?? 0) + 1);
  const segments: Segment[] = firsts.map((first) => ({ first, file: join(dir, segmentName(first)), live: live.get(first) ?? 0 }));
  const nextSeq = Math.max(maxSeq + 1, firsts[firsts.length - 1] ?? 1);
  return { entries, segments, nextSeq, corrupt };
}

export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
