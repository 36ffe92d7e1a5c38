import type { DiskTrouble } from "../outbox/types.js";
import type { Reading } from "../reading.js";

/** Per-sink delivery state for `status` (ad-hoc, chat, CLI). */
export interface SinkStatus {
  readonly name: string;
  readonly connected: boolean;
  /** Readings accepted but not yet acknowledged by the server. */
  readonly pending: number;
  /** Age in seconds of the oldest pending reading. */
  readonly oldestPendingAgeS?: number;
  /** Readings dropped at the queue bound since start. */
  readonly dropped: number;
  readonly delivered: number;
  /** Epoch ms of the last server acknowledgement. */
  readonly lastAckAt?: number;
  /** The durable outbox's disk refuses writes (full, failing): readings wait in memory only. */
  readonly disk?: DiskTrouble;
  /** Readings given up on so the rest flows (refused as bad, or closing the stream); pubsub only. */
  readonly setAside?: number;
}

/** Where readings go (pubsub, MQTT, alerts). `accept` never throws and never blocks. */
export interface ReadingSink {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  accept(reading: Reading): void;
  status(): SinkStatus;
}
