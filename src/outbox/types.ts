import type { Reading } from "../readings/reading.js";

export interface OutboxEntry {
  /** Monotonic per outbox, survives restarts; orders resends. Not the wire id (that is reading.id). */
  readonly seq: number;
  readonly reading: Reading;
  /** Epoch ms when the reading entered the outbox. */
  readonly acceptedAt: number;
}

/** The disk refuses writes (ENOSPC, EIO): what is not on disk lives only in memory until it recovers. */
export interface DiskTrouble {
  /** `CODE: message` of the last refused write. */
  readonly error: string;
  /** Epoch ms of the first refused write. */
  readonly since: number;
  /** Readings in the outbox that are not on disk (lost if the agent stops before the disk recovers). */
  readonly memoryOnly: number;
}

export interface OutboxStats {
  /** Readings not yet acknowledged: queued plus in flight. */
  readonly pending: number;
  readonly inflight: number;
  readonly oldestAcceptedAt?: number;
  /** Dropped at the bound since start (the oldest go first). */
  readonly dropped: number;
  /** Acknowledged by the server since start. */
  readonly delivered: number;
  /** Refused for good by the server (e.g. forbidden), counted, never retried. */
  readonly rejected: number;
  readonly lastAckAt?: number;
  /** Readings found on disk at start (left over from before a crash or restart). */
  readonly recovered: number;
  readonly durable: boolean;
  /** Present while the disk refuses writes. */
  readonly disk?: DiskTrouble;
}

/**
 * Between the pipeline and one sink. A reading leaves only by `ack` (the server confirmed it),
 * `reject` (the server refused it for good) or a drop at the bound; everything else is sent again
 * with the same reading id, so the server replaces instead of duplicating.
 */
export interface Outbox {
  push(reading: Reading): void;
  /** The oldest entry not in flight, now marked in flight; undefined when none is waiting. */
  next(): OutboxEntry | undefined;
  /** The server acknowledged it. Idempotent; false when it had already left. */
  ack(entry: OutboxEntry): boolean;
  /** Not acknowledged (link down, timeout, transient error): back in seq order, sent again. */
  retry(entry: OutboxEntry): void;
  /** Every entry in flight goes back (a new session: old requests will never be answered). */
  retryAll(): void;
  /** Refused for good by the server. */
  reject(entry: OutboxEntry): void;
  readonly waiting: number;
  readonly inflight: number;
  stats(): OutboxStats;
  /** Writes what is buffered and releases the files. */
  close(): Promise<void>;
}
