import { closeSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { IotError, messageOf } from "../errors/catalog.js";
import { takeDirLock } from "./lock.js";
import type { OutboxStore } from "./outbox.js";
import { encodeRecord, segmentName, toRanges } from "./record.js";
import { replayDir, type Segment } from "./replay.js";
import type { DiskTrouble, OutboxEntry } from "./types.js";

export { replayDir } from "./replay.js";

export interface SegmentLogOptions {
  readonly dir: string;
  /**
   * fdatasync at most this often while records are written; 0 = after every batch. Writes reach
   * the page cache at once (a SIGKILL loses nothing written); only a power cut needs the sync.
   */
  readonly syncIntervalMs: number;
  /** A new segment file starts past this size; old ones are deleted once all their readings left. */
  readonly segmentBytes?: number;
  /** First wait before writing again after the disk refused a write (ENOSPC, EIO); doubles to 30 s. */
  readonly retryMs?: number;
  readonly log: Logger;
}

/** Segments whose live readings are this few are copied forward so one stuck reading never pins the disk. */
const COPY_FORWARD_MAX = 64;
const RETRY_MAX_MS = 30_000;
const TROUBLE_LOG_INTERVAL_MS = 60_000;

/**
 * An append-only log of segment files written with node:fs: no native add-on, nothing to compile
 * on a Pi. Adds and "dead" marks (acks, drops) are appended in batches: all records of one
 * event-loop turn go out in one write(2). On open, adds minus dead marks are what is still pending.
 *
 * A refused write (a full disk) never throws out of here: the bytes of a partial write are cut
 * off again (ftruncate to the last whole batch), the readings stay in memory (bounded by the
 * outbox's maxReadings), the trouble shows in `trouble()`, and the write is retried with backoff
 * until the disk takes it.
 */
export interface SegmentLogStats {
  readonly segments: number;
  /** Damaged records skipped at open. */
  readonly corrupt: number;
  readonly syncs: number;
  readonly writes: number;
  /** Writes the disk refused, and of those, the ones that had written part of their bytes (cut off again). */
  readonly refused: number;
  readonly cut: number;
}

export function openSegmentLog(options: SegmentLogOptions): OutboxStore & { stats(): SegmentLogStats } {
  const { dir, log } = options;
  const segmentBytes = options.segmentBytes ?? 1024 * 1024;
  const retryMs = options.retryMs ?? 1000;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new IotError("CONFIG_INVALID", `outbox.path: cannot create ${dir} (${messageOf(error)})`, { details: [`outbox.path: cannot create ${dir} (${messageOf(error)})`] });
  }
  const lock = takeDirLock(dir, log);
  const replay = replayDir(dir);
  if (replay.corrupt > 0) log.warn({ dir, corrupt: replay.corrupt }, "outbox: damaged records skipped (torn write at a power cut or a bad SD card block)");
  const segments: Segment[] = replay.segments;
  const byFirst = new Map(segments.map((s) => [s.first, s]));
  // Every entry in the outbox, in seq order (Map order is insertion order and seqs only grow).
  const where = new Map<number, { entry: OutboxEntry; segment: Segment | undefined }>();
  for (const { entry, first } of replay.entries) where.set(entry.seq, { entry, segment: byFirst.get(first) });
  let maxSeq = replay.nextSeq - 1;
  // Adds not on disk yet: the entries are in memory anyway, so this costs no copy of the readings.
  const unwritten = new Map<number, OutboxEntry>();
  let deadSeqs: number[] = [];
  let lastDead: Array<[number, number]> = [];
  let flushScheduled = false;
  let syncTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelay = retryMs;
  let dirty = false;
  let closed = false;
  let trouble: { error: string; since: number; logged: boolean } | undefined;
  let troubleLoggedAt = Number.NEGATIVE_INFINITY;
  let syncs = 0;
  let writes = 0;
  let refusals = 0;
  let cuts = 0;
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

  /** Appends whole or not at all: the bytes of a partial write are cut off before the error goes up. */
  function append(text: string): void {
    const buffer = Buffer.from(text);
    let offset = 0;
    try {
      while (offset < buffer.length) offset += writeSync(active.fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      refusals++;
      if (offset > 0) {
        cuts++;
        try { ftruncateSync(active.fd, activeBytes); } catch (cut) { log.error({ dir, err: messageOf(cut) }, "outbox: cannot cut a partial write; the next start skips it as damaged"); }
      }
      throw error;
    }
    activeBytes += buffer.length;
  }

  function refused(error: unknown): void {
    const code = (error as { code?: string }).code ?? "EIO";
    const now = Date.now();
    if (!trouble || !trouble.error.startsWith(code)) trouble = { error: `${code}: ${messageOf(error)}`, since: trouble?.since ?? now, logged: false };
    // A nearly full disk takes small batches and refuses bigger ones: logged once a minute at most
    // (status and presence show every change); a lasting episode is logged at the first retry past that.
    if (!trouble.logged && now - troubleLoggedAt > TROUBLE_LOG_INTERVAL_MS) {
      trouble.logged = true;
      troubleLoggedAt = now;
      log.error({ dir, err: messageOf(error), inMemory: unwritten.size }, "outbox: the disk refuses writes; readings stay in memory (up to outbox.maxReadings) and writing is retried");
    }
    if (retryTimer || closed) return;
    retryTimer = setTimeout(retry, retryDelay);
    retryTimer.unref();
    retryDelay = Math.min(RETRY_MAX_MS, retryDelay * 2);
  }

  function retry(): void {
    retryTimer = undefined;
    if (closed) return;
    flush();
    if (!retryTimer && collect()) healthy();
  }

  function accepted(): void {
    writes++;
    dirty = true;
    if (options.syncIntervalMs === 0) sync();
    else syncTimer ??= setTimeout(sync, options.syncIntervalMs);
  }

  /**
   * A whole round (batch and compaction) went to disk: only then is the trouble over, so a disk
   * that takes a batch but not the copy after it is not logged as recovered and failing again.
   */
  function healthy(): void {
    if (!trouble) return;
    if (trouble.logged) log.info({ dir, troubleS: Math.round((Date.now() - trouble.since) / 1000) }, "outbox: the disk accepts writes again");
    trouble = undefined;
    retryDelay = retryMs;
  }

  function scheduleFlush(): void {
    // While the disk refuses writes, only the retry timer tries again (not every event-loop turn).
    if (flushScheduled || closed || retryTimer) return;
    flushScheduled = true;
    setImmediate(flush);
  }

  function flush(): void {
    flushScheduled = false;
    if (unwritten.size === 0 && deadSeqs.length === 0) return;
    const lo = where.size > 0 ? where.keys().next().value! : maxSeq + 1;
    const fresh = toRanges(deadSeqs);
    const ranges = [...lastDead.filter((r) => r[1] >= lo), ...fresh];
    let text = "";
    for (const entry of unwritten.values()) text += encodeRecord({ k: "add", s: entry.seq, t: entry.acceptedAt, r: entry.reading });
    if (deadSeqs.length > 0) text += encodeRecord({ k: "dead", ranges, lo });
    if (activeBytes > 0 && activeBytes + text.length > segmentBytes) roll();
    try {
      append(text);
    } catch (error) {
      refused(error);
      return;
    }
    for (const entry of unwritten.values()) {
      const at = where.get(entry.seq);
      if (at && !at.segment) { at.segment = active; active.live++; }
    }
    unwritten.clear();
    if (deadSeqs.length > 0) lastDead = fresh;
    deadSeqs = [];
    accepted();
    if (collect()) healthy();
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

  /** A new active segment; when the disk cannot even create one, writing goes on in the old one. */
  function roll(): void {
    let next: Segment & { fd: number };
    try {
      next = createSegment(Math.max(maxSeq, active.first) + 1);
    } catch (error) {
      log.warn({ dir, err: messageOf(error) }, "outbox: cannot start a new segment; the current one grows");
      return;
    }
    // The finished segment is made durable before it stops being the one the timer syncs.
    try { fdatasyncSync(active.fd); } catch (error) { log.error({ dir, err: messageOf(error) }, "outbox: fdatasync failed"); }
    closeSync(active.fd);
    active = next;
    activeBytes = 0;
  }

  /**
   * Deletes the oldest segments once nothing in them is pending any more (in order: see replay).
   * False when the disk refused a copy-forward (retried with the next round).
   */
  function collect(): boolean {
    while (segments.length > 1 && segments[0] !== active) {
      const oldest = segments[0]!;
      if (oldest.live > COPY_FORWARD_MAX || (oldest.live > 0 && segments.length <= 2)) return true;
      if (oldest.live > 0) {
        const moved = [...where.values()].filter((w) => w.segment === oldest);
        try {
          append(moved.map((w) => encodeRecord({ k: "add", s: w.entry.seq, t: w.entry.acceptedAt, r: w.entry.reading })).join(""));
        } catch (error) {
          refused(error); // the old segment stays until the copy fits
          return false;
        }
        accepted();
        sync();
        for (const w of moved) { w.segment = active; active.live++; }
      }
      segments.shift();
      try { unlinkSync(oldest.file); } catch (error) { log.warn({ file: oldest.file, err: messageOf(error) }, "outbox: cannot delete an old segment"); }
      syncDir();
    }
    return true;
  }

  return {
    recovered: replay.entries.map((e) => e.entry),
    nextSeq: replay.nextSeq,
    append(entry) {
      where.set(entry.seq, { entry, segment: undefined });
      unwritten.set(entry.seq, entry);
      maxSeq = Math.max(maxSeq, entry.seq);
      scheduleFlush();
    },
    dead(seq) {
      const at = where.get(seq);
      if (!at) return;
      where.delete(seq);
      // Never written: nothing on disk to mark.
      if (!at.segment) { unwritten.delete(seq); return; }
      at.segment.live--;
      deadSeqs.push(seq);
      scheduleFlush();
    },
    trouble(): DiskTrouble | undefined {
      return trouble && { ...trouble, memoryOnly: unwritten.size };
    },
    async close() {
      if (closed) return;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      flush();
      clearTimeout(retryTimer);
      clearTimeout(syncTimer);
      dirty = true;
      sync();
      closed = true;
      closeSync(active.fd);
      lock.release();
    },
    stats: () => ({ segments: segments.length, corrupt: replay.corrupt, syncs, writes, refused: refusals, cut: cuts }),
  };
}
