import { join } from "node:path";
import type { Logger } from "pino";
import { createOutbox } from "./outbox.js";
import { openSegmentLog } from "./segment-log.js";
import type { Outbox } from "./types.js";

export type { DiskTrouble, Outbox, OutboxEntry, OutboxStats } from "./types.js";

export interface OutboxConfig {
  readonly path: string;
  readonly maxReadings: number;
  readonly syncIntervalMs: number;
}

/**
 * The outbox of one sink: durable under `<outbox.path>/<sink>` when the `outbox` section is
 * configured, otherwise in memory with the sink's own bound (lost on a crash, as before).
 */
export function openOutbox(deps: { log: Logger }, sink: string, config: OutboxConfig | undefined, memoryBound: number): Outbox {
  if (!config) return createOutbox({ name: sink, maxReadings: memoryBound, log: deps.log });
  const store = openSegmentLog({ dir: join(config.path, sink), syncIntervalMs: config.syncIntervalMs, log: deps.log });
  return createOutbox({ name: sink, maxReadings: config.maxReadings, store, log: deps.log });
}
export { createOutbox } from "./outbox.js";
