import type { DiskTrouble, OutboxEntry } from "../outbox/types.js";
import type { Reading } from "../readings/reading.js";
import type { BatchOptions } from "./batcher.js";

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
  /** Readings given up on so the rest flows (refused as bad, or closing the stream). */
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

/**
 * What a transport makes of a failed send while it is online (offline, every failure is a retry):
 * - `retry`: not answered (timeout, link trouble): sent again with the same id after a short pause;
 * - `transient`: the server is overloaded (XMPP `wait`, `resource-constraint`): pause, one send in flight;
 * - `refused`: the server refused the readings as bad: a batch is sent again one by one, a single
 *   reading is set aside (counted, logged, in `status`) so the rest flows.
 */
export type SendFailure =
  | { readonly kind: "retry" }
  | { readonly kind: "transient"; readonly condition: string }
  | { readonly kind: "refused"; readonly reason: string };

/** Called once per send: with nothing when the server acknowledged it, with the failure otherwise. */
export type Acknowledge = (failure?: unknown) => void;

/** How a transport tells the delivery engine about its link; given to `attach`. */
export interface DeliveryLink {
  /**
   * The link is up. A resumed session (XEP-0198) keeps the sends in flight: the server answers
   * them; a new one sends everything in flight again, in seq order, with the same ids.
   */
  online(resumed: boolean): void;
  /**
   * The link died. `cause` is set when one send may have provoked it, named with the RFC 6120
   * section 4.9.3 stream conditions (poison.ts): the engine then finds that send and sets it aside.
   */
  offline(cause: string | undefined): void;
  /**
   * The server answered a send (result or error) that went out at `sentAt` (epoch ms): feeds the
   * adaptive window. Returns the round trip, or undefined when it measured an outage (sent before
   * a resumed session), not the server.
   */
  answered(sentAt: number): number | undefined;
}

/**
 * One sink's way to its server; the delivery engine (engine.ts) does the rest: outbox, window of
 * sends in flight, ack, retry, resend after reconnect, set-aside, flush and status.
 */
export interface Transport {
  /** Sink name: status, log and the outbox directory (`<outbox.path>/<name>`). */
  readonly name: string;
  /** Who answers, for the set-aside log line ("pubsub service", "MQTT broker"). */
  readonly peer: string;
  /**
   * Sends in flight at most; `adaptive` when the transport reports answer times (`link.answered`):
   * the window then starts small and shrinks while answers are slow (publish-window.ts).
   */
  readonly window: { readonly max: number; readonly adaptive: boolean };
  /** Readings of one destination packed into one send; absent = one reading per send. */
  readonly batch?: BatchOptions;
  isOnline(): boolean;
  /** Start reporting the link's events to `link` (the sink starts); `detach` stops it. */
  attach(link: DeliveryLink): void;
  detach(): void;
  /** A new session: per-session state is forgotten here; sends wait until it settles. */
  newSession?(): Promise<void>;
  /** Where a reading goes (pubsub node, MQTT topic): the batching key and the set-aside record. */
  destination(reading: Reading): string;
  /** Sends the readings (one, or a batch of one destination); `acknowledged` is called exactly once. */
  send(entries: readonly OutboxEntry[], acknowledged: Acknowledge): void;
  /** Called only while online. */
  classify(failure: unknown): SendFailure;
  /** Sees each reading as it is accepted (MQTT discovery announces a channel on its first reading). */
  noteAccepted?(reading: Reading): void;
}
