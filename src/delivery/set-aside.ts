import type { Logger } from "pino";
import type { OutboxEntry } from "../outbox/index.js";

export interface SetAsideReading {
  readonly id: string;
  /** Where it was going (pubsub node, MQTT topic). */
  readonly destination: string;
  readonly reason: string;
  /** Epoch ms. */
  readonly at: number;
  /** The value as JSON, cut at 80 characters (control characters escaped). */
  readonly value: string;
}

/** Entries logged one by one; past it, one line per LOG_EVERY more. */
const LOG_FIRST = 20;
const LOG_EVERY = 1000;
const KEEP = 10;

/**
 * Readings a sink gave up on so the rest can flow: refused as bad by the server, or proven to
 * close the stream (poison.ts). Each is counted, logged once (bounded: a service that
 * refuses everything does not flood the journal), and the last few are kept for `status`.
 */
export function createSetAside(deps: { log: Logger; peer: string }) {
  const message = `reading set aside: the ${deps.peer} cannot take it; the rest keeps flowing`;
  const recent: SetAsideReading[] = [];
  let count = 0;

  return {
    add(entry: OutboxEntry, destination: string, reason: string): void {
      count++;
      const value = JSON.stringify(entry.reading.value);
      const record = { id: entry.reading.id, destination, reason, at: Date.now(), value: value.length > 80 ? `${value.slice(0, 80)}...(${value.length} chars)` : value };
      recent.push(record);
      if (recent.length > KEEP) recent.shift();
      if (count <= LOG_FIRST) deps.log.error({ ...record, setAside: count }, message);
      else if (count % LOG_EVERY === 0) deps.log.error({ setAside: count, last: record }, "readings set aside");
    },
    get count(): number {
      return count;
    },
    recent(): readonly SetAsideReading[] {
      return recent;
    },
  };
}
