import { closeSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { IotError, messageOf } from "../errors.js";
import type { OutboxStore } from "./outbox.js";
import { decodeRecord, encodeRecord, parseSegmentName, segmentName, toRanges } from "./record.js";
import type { OutboxEntry } from "./types.js";

export interface SegmentLogOptions {
  readonly dir: string;
  /**
   * fdatasync at most this often while records are written; 0 = after every batch. Writes reach
   * the page cache at once (a SIGKILL loses nothing written); only a power cut needs the sync.
   */
  readonly syncIntervalMs: number;
  /** A new segment file starts past this size; old ones are deleted once all their readings left. */
  readonly segmentBytes?: number;
  readonly log: Logger;
}

interface Segment {
  readonly first: number;
  readonly file: string;
  /** Readings of this segment still in the outbox. */
  live: number;
}

/** Segments whose live readings are this few are copied forward so one stuck reading never pins the disk. */
const COPY_FORWARD_MAX = 64;
/** Bytes kept buffered while the disk refuses writes (ENOSPC, EIO); the readings stay in memory. */
const MAX_UNWRITTEN_BYTES = 8 * 1024 * 1024;

/**
 * An append-only log of segment files written with node:fs: no native add-on, nothing to compile
 * on a Pi. Adds and "dead" marks (acks, drops) are appended in batches: all records of one
 * event-loop turn go out in one write(2). On open, adds minus dead marks are what is still pending.
 */
export function openSegmentLog(options: SegmentLogOptions): OutboxStore & { stats(): { segments: number; corrupt: number; syncs: number; writes: number } } {
  const { dir, log } = options;
  const segmentBytes = options.segmentBytes ?? 1024 * 1024;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new IotError("CONFIG_INVALID", `outbox.path: cannot create ${dir} (${messageOf(error)})`, { details: [`outbox.path: cannot create ${dir} (${messageOf(error)})`] });
  }
  const lockFile = takeLock(dir);
  const replay = replayDir(dir);
  if (replay.corrupt > 0) log.warn({ dir, corrupt: replay.corrupt }, "outbox: damaged records skipped (torn write at a power cut or a bad SD card block)");

  const segments: Segment[] = replay.segments;
  const byFirst = new Map(segments.map((s) => [s.first, s]));
  const where = new Map<number, { entry: OutboxEntry; segment: Segment | undefined }>();
  for (const { entry, first } of replay.entries) where.set(entry.seq, { entry, segment: byFirst.get(first) });
  let maxSeq = replay.nextSeq - 1;

  let pending: Array<{ line: string; seq?: number }> = [];
  let pendingBytes = 0;
  let deadSeqs: number[] = [];
  let flushScheduled = false;
  let syncTimer: NodeJS.Timeout | undefined;
  let dirty = false;
  let closed = false;
  let writeErrorLoggedAt = 0;
  let syncs = 0;
  let writes = 0;
  let active = createSegment(Math.max(replay.nextSeq, (segments[segments.length - 1]?.first ?? 0) + 1));
  let activeBytes = 0;
  collect();

  function createSegment(first: number): Segment & { fd: number } {
    const file = join(dir, segmentName(first));
    const fd = openSync(file, "a", 0o600);
    syncDir();
    const segment = { first, file, live: 0, fd };
    segments.push(segment);
    return segment;
  }

  function syncDir(): void {
    // A new or deleted file is durable only once its directory entry is (fsync(2) on the directory).
    try {
      const fd = openSync(dir, "r");
      try { fsyncSync(fd); } finally { closeSync(fd); }
    } catch { /* not all filesystems allow it; the data fsync still holds */ }
  }

  function scheduleFlush(): void {
    if (flushScheduled || closed) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    flushScheduled = false;
    if (deadSeqs.length > 0) {
      const line = encodeRecord({ k: "dead", ranges: toRanges(deadSeqs) });
      pending.push({ line });
      pendingBytes += line.length;
      deadSeqs = [];
    }
    if (pending.length === 0) return;
    if (activeBytes > 0 && activeBytes + pendingBytes > segmentBytes) roll();
    const batch = pending.map((p) => p.line).join("");
    try {
      writeAll(active.fd, batch);
    } catch (error) {
      if (Date.now() - writeErrorLoggedAt > 10_000) {
        writeErrorLoggedAt = Date.now();
        log.error({ dir, err: messageOf(error) }, "outbox: write failed; readings stay in memory only until the disk accepts writes");
      }
      if (pendingBytes > MAX_UNWRITTEN_BYTES) { pending = []; pendingBytes = 0; }
      return;
    }
    writes++;
    activeBytes += Buffer.byteLength(batch);
    for (const p of pending) {
      if (p.seq === undefined) continue;
      const at = where.get(p.seq);
      if (at && !at.segment) { at.segment = active; active.live++; }
    }
    pending = [];
    pendingBytes = 0;
    dirty = true;
    if (options.syncIntervalMs === 0) sync();
    else syncTimer ??= setTimeout(sync, options.syncIntervalMs);
    collect();
  }

  function sync(): void {
    syncTimer = undefined;
    if (!dirty || closed) return;
    dirty = false;
    try {
      fdatasyncSync(active.fd);
      syncs++;
    } catch (error) {
      log.error({ dir, err: messageOf(error) }, "outbox: fdatasync failed");
    }
  }

  function roll(): void {
    // The finished segment is made durable before it stops being the one the timer syncs.
    fdatasyncSync(active.fd);
    closeSync(active.fd);
    active = createSegment(Math.max(maxSeq, active.first) + 1);
    activeBytes = 0;
  }

  /** Deletes the oldest segments once nothing in them is pending any more (in order: see replay). */
  function collect(): void {
    while (segments.length > 1 && segments[0] !== active) {
      const oldest = segments[0]!;
      if (oldest.live > COPY_FORWARD_MAX || (oldest.live > 0 && segments.length <= 2)) return;
      if (oldest.live > 0) {
        const moved = [...where.values()].filter((w) => w.segment === oldest);
        const text = moved.map((w) => encodeRecord({ k: "add", s: w.entry.seq, t: w.entry.acceptedAt, r: w.entry.reading })).join("");
        writeAll(active.fd, text);
        activeBytes += Buffer.byteLength(text);
        fdatasyncSync(active.fd);
        for (const w of moved) { w.segment = active; active.live++; }
      }
      segments.shift();
      try { unlinkSync(oldest.file); } catch (error) { log.warn({ file: oldest.file, err: messageOf(error) }, "outbox: cannot delete an old segment"); }
      syncDir();
    }
  }

  return {
    recovered: replay.entries.map((e) => e.entry),
    nextSeq: replay.nextSeq,
    append(entry) {
      const line = encodeRecord({ k: "add", s: entry.seq, t: entry.acceptedAt, r: entry.reading });
      where.set(entry.seq, { entry, segment: undefined });
      maxSeq = Math.max(maxSeq, entry.seq);
      pending.push({ line, seq: entry.seq });
      pendingBytes += line.length;
      scheduleFlush();
    },
    dead(seq) {
      const at = where.get(seq);
      if (!at) return;
      where.delete(seq);
      if (at.segment) at.segment.live--;
      deadSeqs.push(seq);
      scheduleFlush();
    },
    async close() {
      if (closed) return;
      flush();
      clearTimeout(syncTimer);
      dirty = true;
      sync();
      closed = true;
      closeSync(active.fd);
      try { unlinkSync(lockFile); } catch { /* already gone */ }
    },
    stats: () => ({ segments: segments.length, corrupt: replay.corrupt, syncs, writes }),
  };
}

/**
 * Two agents appending to one outbox would interleave records and each send the other's readings:
 * the directory holds the pid of its user. A lock left by a killed agent (its pid is gone) is taken over.
 */
function takeLock(dir: string): string {
  const file = join(dir, "lock");
  let holder: number | undefined;
  try { holder = Number.parseInt(readFileSync(file, "utf8"), 10); } catch { /* no lock yet */ }
  if (holder !== undefined && Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
    throw new IotError("CONFIG_INVALID", `outbox.path: ${dir} is in use by process ${holder} (another agent with the same outbox.path)`,
      { details: [`outbox.path: ${dir} is in use by process ${holder}; give each agent its own outbox.path`] });
  }
  writeFileSync(file, `${process.pid}\n`, { mode: 0o600 });
  return file;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text);
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Everything on disk: adds minus dead marks, in seq order. Dead marks apply whatever file holds them. */
export function replayDir(dir: string): { entries: Array<{ entry: OutboxEntry; first: number }>; segments: Segment[]; nextSeq: number; corrupt: number } {
  const firsts = readdirSync(dir).map(parseSegmentName).filter((n): n is number => n !== undefined).sort((a, b) => a - b);
  const adds = new Map<number, { entry: OutboxEntry; first: number }>();
  const dead: Array<[number, number]> = [];
  let corrupt = 0;
  let maxSeq = 0;
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
      }
    }
  }
  const merged = toRangesFromRanges(dead);
  const isDead = (seq: number): boolean => {
    let lo = 0;
    let hi = merged.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [a, b] = merged[mid]!;
      if (seq < a) hi = mid - 1;
      else if (seq > b) lo = mid + 1;
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

function toRangesFromRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
