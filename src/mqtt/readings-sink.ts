import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import type { Reading } from "../reading.js";
import { BoundedQueue } from "../sinks/bounded-queue.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import type { MqttClientHandle, Qos } from "./client.js";
import { encodeReadingPayload, readingTopic } from "./payload.js";

export interface MqttSinkOptions {
  readonly topicPrefix: string;
  readonly agentBareJid: string;
  readonly qos: Qos;
  readonly retain: boolean;
  readonly maxPending: number;
  /** Publishes awaiting PUBACK at once: keeps throughput up without an unbounded burst. */
  readonly window?: number;
}

interface Entry {
  readonly reading: Reading;
  readonly acceptedAt: number;
}

/**
 * Readings on `<prefix>/<device>/<channel>` as SenML JSON. A reading leaves the queue when the
 * broker acknowledged it (PUBACK for QoS 1); while the broker is down readings wait in a bounded
 * queue (oldest dropped and counted) and go out after the reconnect with the same id.
 */
export function createMqttReadingSink(
  deps: { client: Pick<MqttClientHandle, "publish" | "events" | "isConnected">; log: Logger; onReading?: (reading: Reading) => void },
  options: MqttSinkOptions,
): ReadingSink & { flush(timeoutMs: number): Promise<boolean> } {
  const { client, log } = deps;
  const queue = new BoundedQueue<Entry>(options.maxPending);
  const window = options.window ?? 64;
  const drainWaiters = new Set<() => void>();
  let inflight = 0;
  let delivered = 0;
  let rejected = 0;
  let lastAckAt: number | undefined;
  let running = false;

  function settle(): void {
    if (queue.size === 0 && inflight === 0) for (const resolve of drainWaiters) resolve();
  }

  function pump(): void {
    while (running && client.isConnected() && inflight < window && queue.size > 0) {
      const entry = queue.shift()!;
      inflight++;
      const { reading } = entry;
      client.publish(readingTopic(options.topicPrefix, reading.device, reading.channel), encodeReadingPayload(options.agentBareJid, reading), { qos: options.qos, retain: options.retain })
        .then(
          () => { delivered++; lastAckAt = Date.now(); },
          (error: unknown) => {
            if (!client.isConnected()) {
              // The connection dropped before the PUBACK: back to the front, sent again after the
              // reconnect with the same id.
              queue.unshiftAll([entry]);
              return;
            }
            // Refused on a live connection: retrying would loop, so it is counted and logged.
            rejected++;
            if (rejected === 1 || rejected % 1000 === 0) log.error({ err: messageOf(error), rejected, device: reading.device, channel: reading.channel }, "MQTT publish refused");
          },
        )
        .finally(() => { inflight--; settle(); pump(); });
    }
  }

  const onOnline = (): void => pump();

  return {
    name: "mqtt",
    async start() {
      running = true;
      client.events.on("online", onOnline);
      pump();
    },
    async stop() {
      running = false;
      client.events.off("online", onOnline);
      if (queue.size + inflight > 0) log.warn({ pending: queue.size + inflight }, "MQTT readings still pending at stop");
    },
    accept(reading) {
      deps.onReading?.(reading);
      const dropped = queue.push({ reading, acceptedAt: Date.now() });
      if (dropped && (queue.dropped === 1 || queue.dropped % 1000 === 0)) {
        log.warn({ dropped: queue.dropped, bound: options.maxPending }, "MQTT queue full: oldest readings dropped");
      }
      pump();
    },
    async flush(timeoutMs) {
      if (queue.size === 0 && inflight === 0) return true;
      if (!client.isConnected()) return false;
      return new Promise<boolean>((resolve) => {
        const done = (): void => { clearTimeout(timer); drainWaiters.delete(done); resolve(true); };
        const timer = setTimeout(() => { drainWaiters.delete(done); resolve(false); }, timeoutMs);
        drainWaiters.add(done);
      });
    },
    status(): SinkStatus & { rejected: number } {
      const oldest = queue.peek();
      return {
        name: "mqtt",
        connected: client.isConnected(),
        pending: queue.size + inflight,
        ...(oldest ? { oldestPendingAgeS: (Date.now() - oldest.acceptedAt) / 1000 } : {}),
        dropped: queue.dropped,
        delivered,
        rejected,
        ...(lastAckAt !== undefined ? { lastAckAt } : {}),
      };
    },
  };
}
