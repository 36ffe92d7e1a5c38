import type { Logger } from "pino";
import type { Reading } from "../readings/reading.js";
import { BoundedQueue } from "./bounded-queue.js";
import type { DiskTrouble, Outbox, OutboxEntry, OutboxStats } from "./types.js";

/** Persistence behind an outbox (src/outbox/segment-log.ts); absent = memory only. */
export interface OutboxStore {
  /** Entries found on disk at open, in seq order. */
  readonly recovered: readonly OutboxEntry[];
  readonly nextSeq: number;
  append(entry: OutboxEntry): void;
  /** The entries left the outbox (acked, dropped or rejected). */
  dead(seq: number): void;
  /** Set while the disk refuses writes; the store keeps the entries and retries by itself. */
  trouble?(): DiskTrouble | undefined;
  close(): Promise<void>;
}

export interface OutboxOptions {
  /** Sink name for the log ("pubsub", "mqtt"). */
  readonly name: string;
  /** Readings kept (queued + in flight); at the bound the oldest are dropped and counted. */
  readonly maxReadings: number;
  readonly store?: OutboxStore;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * The queue is kept in seq order: entries returned from flight are inserted before newer ones, so
 * a resend after a reconnect keeps the order per node. Memory is bounded by maxReadings entries.
 */
export function createOutbox(options: OutboxOptions): Outbox {
  const { log, store } = options;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(options.maxReadings) || options.maxReadings < 1) throw new RangeError("maxReadings must be a positive integer");
  // One more than the bound: push first, then drop (the BoundedQueue's own bound never triggers).
  const queued = new BoundedQueue<OutboxEntry>(options.maxReadings + 1);
  const inflight = new Map<number, OutboxEntry>();
  let seq = store?.nextSeq ?? 1;
  let dropped = 0;
  let delivered = 0;
  let rejected = 0;
  let lastAckAt: number | undefined;
  // Entries go in flight in seq order unless a retry put an older one back: then (until the flight
  // empties) stats() has to look at all of them for the oldest, otherwise the first one is it.
  let lastInflightSeq = 0;
  let inflightInSeqOrder = true;
  const recovered = store?.recovered.length ?? 0;

  const found = store?.recovered ?? [];
  // A smaller bound than the last run's: the oldest found on disk go first, counted like any drop.
  const excess = Math.max(0, found.length - options.maxReadings);
  for (const entry of found.slice(0, excess)) leave(entry);
  dropped += excess;
  for (const entry of found.slice(excess)) queued.push(entry);
  if (recovered > 0) log.info({ sink: options.name, recovered, dropped: excess }, "outbox: readings recovered from disk will be sent");

  function leave(entry: OutboxEntry): void {
    store?.dead(entry.seq);
  }

  function enforceBound(): void {
    while (queued.size + inflight.size > options.maxReadings) {
      let victim = queued.shift();
      if (!victim) {
        // Everything is in flight (a bound below the send window): the oldest in flight goes.
        const first = inflight.values().next();
        if (first.done) return;
        victim = first.value;
        inflight.delete(victim.seq);
      }
      leave(victim);
      dropped++;
      if (dropped === 1 || dropped % 1000 === 0) {
        log.warn({ sink: options.name, dropped, bound: options.maxReadings }, "outbox full: oldest readings dropped");
      }
    }
  }

  /** Back into the queue before every newer entry; only a few entries (the send window) are passed. */
  function insertSorted(entry: OutboxEntry): void {
    const before: OutboxEntry[] = [];
    while (queued.size > 0 && queued.peek()!.seq < entry.seq) before.push(queued.shift()!);
    queued.unshiftAll([...before, entry]);
  }

  return {
    push(reading: Reading) {
      const entry: OutboxEntry = { seq: seq++, reading, acceptedAt: now() };
      store?.append(entry);
      queued.push(entry);
      // Checked here: a call per reading costs even when, as nearly always, nothing is dropped.
      if (queued.size + inflight.size > options.maxReadings) enforceBound();
    },
    next() {
      const entry = queued.shift();
      if (entry) {
        if (inflight.size === 0) inflightInSeqOrder = true;
        else if (entry.seq < lastInflightSeq) inflightInSeqOrder = false;
        lastInflightSeq = entry.seq;
        inflight.set(entry.seq, entry);
      }
      return entry;
    },
    ack(entry) {
      if (!inflight.delete(entry.seq)) return false;
      leave(entry);
      delivered++;
      lastAckAt = now();
      return true;
    },
    retry(entry) {
      if (inflight.delete(entry.seq)) insertSorted(entry);
    },
    retryAll() {
      const back = [...inflight.values()].sort((a, b) => b.seq - a.seq);
      inflight.clear();
      for (const entry of back) insertSorted(entry);
    },
    reject(entry) {
      if (!inflight.delete(entry.seq)) return;
      leave(entry);
      rejected++;
    },
    get waiting() {
      return queued.size;
    },
    get inflight() {
      return inflight.size;
    },
    stats(): OutboxStats {
      // Called on every status query (the bench polls it each millisecond with 16,000 in flight):
      // seq order is acceptance order, so the first in flight is the oldest unless a retry intervened.
      let oldest = queued.peek()?.acceptedAt;
      if (inflightInSeqOrder) {
        const first = inflight.values().next();
        if (!first.done && (oldest === undefined || first.value.acceptedAt < oldest)) oldest = first.value.acceptedAt;
      } else {
        for (const entry of inflight.values()) if (oldest === undefined || entry.acceptedAt < oldest) oldest = entry.acceptedAt;
      }
      const disk = store?.trouble?.();
      return {
        pending: queued.size + inflight.size,
        inflight: inflight.size,
        ...(oldest !== undefined ? { oldestAcceptedAt: oldest } : {}),
        dropped, delivered, rejected, recovered,
        ...(lastAckAt !== undefined ? { lastAckAt } : {}),
        durable: store !== undefined,
        ...(disk ? { disk } : {}),
      };
    },
    async close() {
      await store?.close();
    },
  };
}
