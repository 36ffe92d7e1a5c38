import type { Logger } from "pino";
import { messageOf } from "../errors/catalog.js";
import type { Reading } from "../readings/reading.js";
import type { ReadingSink, SinkStatus } from "../delivery/types.js";
import { appendRecords, loadRecords, mergeRecords, rewriteRecords, type MinuteRecord } from "./store.js";

export interface HistoryOptions {
  /** JSON-lines file; absent: kept in memory only (lost on restart). */
  readonly path?: string;
  /** Bound on minute records kept (all channels together); the oldest go first. */
  readonly maxRecords: number;
  /** How often finished minutes are written out. */
  readonly flushEveryMs?: number;
  readonly now?: () => number;
}

export interface HistoryQuery {
  readonly device: string;
  readonly channel: string;
  /** Epoch ms: minutes starting at or after this. */
  readonly sinceMs: number;
}

const MINUTE = 60_000;

/** The minute in progress of one channel, updated in place: one object per channel per minute, not per reading. */
type OpenMinute = { -readonly [K in keyof MinuteRecord]: MinuteRecord[K] };

/**
 * A small rollup of numeric readings: at most one record per channel per minute (min, max, sum,
 * count), bounded by `maxRecords`, appended to `path` once a minute and loaded at start, so
 * `history` survives restarts. A sink: `accept` never blocks or throws.
 */
export function createHistory(deps: { log: Logger }, options: HistoryOptions) {
  const now = options.now ?? Date.now;
  let records: MinuteRecord[] = [];
  /** device -> channel -> its open minute: no key string built per reading. */
  const open = new Map<string, Map<string, OpenMinute>>();
  let openCount = 0;
  let unwritten: MinuteRecord[] = [];
  let fileLines = 0;
  let writeFailures = 0;
  let timer: NodeJS.Timeout | undefined;

  const keep = (record: MinuteRecord): void => {
    records.push(record);
    unwritten.push(record);
    if (records.length > options.maxRecords) records = records.slice(records.length - options.maxRecords);
    if (unwritten.length > options.maxRecords) unwritten = unwritten.slice(unwritten.length - options.maxRecords);
  };

  /** Moves minutes that are over (before `minute`) from `open` to the kept records. */
  const closeBefore = (minute: number): void => {
    for (const channels of open.values()) {
      for (const [channel, record] of channels) {
        if (record.m < minute) { channels.delete(channel); openCount--; keep(record); }
      }
    }
  };

  const flush = (): void => {
    closeBefore(Math.floor(now() / MINUTE));
    if (options.path === undefined || unwritten.length === 0) return;
    try {
      if (fileLines + unwritten.length > options.maxRecords * 1.25) {
        rewriteRecords(options.path, records);
        fileLines = records.length;
      } else {
        appendRecords(options.path, unwritten, true);
        fileLines += unwritten.length;
      }
      unwritten = [];
    } catch (error) {
      // Kept in memory (bounded) and tried again at the next flush.
      if (writeFailures++ % 60 === 0) deps.log.warn({ path: options.path, err: messageOf(error) }, "history file not writable; keeping history in memory");
    }
  };

  return {
    name: "history",

    load(): void {
      if (options.path === undefined) return;
      try {
        const loaded = loadRecords(options.path);
        records = loaded.records.slice(-options.maxRecords);
        fileLines = loaded.records.length + loaded.skipped;
        if (loaded.skipped > 0) deps.log.warn({ path: options.path, skipped: loaded.skipped }, "history file: unreadable lines skipped (a write cut short)");
      } catch (error) {
        deps.log.warn({ path: options.path, err: messageOf(error) }, "history file unreadable; starting empty");
      }
    },

    accept(reading: Reading): void {
      const value = reading.value;
      if (typeof value !== "number" || !Number.isFinite(value)) return;
      const minute = Math.floor((reading.time * 1000) / MINUTE);
      let channels = open.get(reading.device);
      if (channels === undefined) open.set(reading.device, channels = new Map());
      const current = channels.get(reading.channel);
      if (current !== undefined && minute <= current.m) {
        // Same minute, or a late reading: folded into the open minute (one record per minute).
        if (value < current.min) current.min = value;
        if (value > current.max) current.max = value;
        current.sum += value;
        current.n++;
        return;
      }
      if (current !== undefined) keep(current);
      else openCount++;
      channels.set(reading.channel, { d: reading.device, c: reading.channel, m: minute, min: value, max: value, sum: value, n: 1 });
    },

    /** Minute records of one channel since `sinceMs`, including the minute in progress. */
    query(q: HistoryQuery): MinuteRecord[] {
      const since = Math.floor(q.sinceMs / MINUTE);
      const match = (r: MinuteRecord): boolean => r.d === q.device && r.c === q.channel && r.m >= since;
      const byMinute = new Map<number, MinuteRecord>();
      for (const r of records) if (match(r)) byMinute.set(r.m, byMinute.has(r.m) ? mergeRecords(byMinute.get(r.m)!, r) : r);
      const live = open.get(q.device)?.get(q.channel);
      if (live && match(live)) byMinute.set(live.m, byMinute.has(live.m) ? mergeRecords(byMinute.get(live.m)!, live) : live);
      return [...byMinute.values()].sort((a, b) => a.m - b.m);
    },

    get size(): number {
      return records.length + openCount;
    },

    async start(_signal: AbortSignal): Promise<void> {
      timer = setInterval(flush, options.flushEveryMs ?? 15_000);
      timer.unref();
    },

    async stop(): Promise<void> {
      clearInterval(timer);
      // The minute in progress is written too; loading merges it with the rest of that minute.
      for (const channels of open.values()) for (const record of channels.values()) keep(record);
      open.clear();
      openCount = 0;
      flush();
    },

    status(): SinkStatus {
      return { name: "history", connected: true, pending: unwritten.length, dropped: 0, delivered: records.length };
    },
  } satisfies ReadingSink & Record<string, unknown>;
}

export type History = ReturnType<typeof createHistory>;
