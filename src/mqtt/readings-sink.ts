import type { Logger } from "pino";
import { messageOf } from "../errors.js";
import { createOutbox, type Outbox, type OutboxEntry } from "../outbox/index.js";
import type { Reading } from "../reading.js";
import { sinkStatus } from "../sinks/status.js";
import type { ReadingSink, SinkStatus } from "../sinks/types.js";
import type { MqttClientHandle, Qos } from "./client.js";
import { encodeReadingPayload, readingTopic } from "./payload.js";

export interface MqttSinkOptions {
  readonly topicPrefix: string;
  readonly agentBareJid: string;
  readonly qos: Qos;
  readonly retain: boolean;
  /** Bound of the in-memory outbox used when no durable one is given. */
  readonly maxPending: number;
  /** Publishes awaiting PUBACK at once: keeps throughput up without an unbounded burst. */
  readonly window?: number;
}

/**
 * Readings on `<prefix>/<device>/<channel>` as SenML JSON. A reading leaves the outbox only when
 * the broker acknowledged it (PUBACK for QoS 1, the write for QoS 0); while the broker is down
 * readings wait in the bounded outbox (durable under `outbox.path` when configured) and go out
 * after the reconnect, oldest first, with the same id.
 */
export function createMqttReadingSink(
  deps: { client: Pick<MqttClientHandle, "publishWithCallback" | "events" | "isConnected">; log: Logger; outbox?: Outbox; onReading?: (reading: Reading) => void },
  options: MqttSinkOptions,
): ReadingSink & { flush(timeoutMs: number): Promise<boolean> } {
  const { client, log } = deps;
  const outbox = deps.outbox ?? createOutbox({ name: "mqtt", maxReadings: options.maxPending, log });
  const window = options.window ?? 64;
  const publishOptions = { qos: options.qos, retain: options.retain };
  const drainWaiters = new Set<() => void>();
  let running = false;
  let session = 0;
  let refusedLogged = 0;

  function settle(): void {
    if (outbox.waiting === 0 && outbox.inflight === 0) for (const resolve of drainWaiters) resolve();
  }

  function failed(entry: OutboxEntry, error: Error): void {
    if (!client.isConnected()) {
      outbox.retry(entry); // the connection dropped before the PUBACK: same id after reconnect
      return;
    }
    // Refused on a live connection: retrying would loop, so it is counted and logged.
    outbox.reject(entry);
    const { reading } = entry;
    if (refusedLogged++ % 1000 === 0) log.error({ err: messageOf(error), device: reading.device, channel: reading.channel }, "MQTT publish refused");
  }

  function pump(): void {
    while (running && client.isConnected() && outbox.inflight < window) {
      const entry = outbox.next();
      if (!entry) break;
      const { reading } = entry;
      const sentIn = session;
      client.publishWithCallback(readingTopic(options.topicPrefix, reading.device, reading.channel), encodeReadingPayload(options.agentBareJid, reading), publishOptions, (error) => {
        if (error === undefined) outbox.ack(entry);
        else if (sentIn === session) failed(entry, error); // else: already sent again on the new connection
        settle();
        pump();
      });
    }
  }

  const onOnline = (): void => {
    session++;
    outbox.retryAll();
    pump();
  };

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
      const { pending, durable } = outbox.stats();
      if (pending > 0) log.warn({ pending, durable }, "MQTT readings still pending at stop");
      await outbox.close();
    },
    accept(reading) {
      deps.onReading?.(reading);
      outbox.push(reading);
      pump();
    },
    async flush(timeoutMs) {
      if (outbox.stats().pending === 0) return true;
      if (!client.isConnected()) return false;
      return new Promise<boolean>((resolve) => {
        const done = (): void => { clearTimeout(timer); drainWaiters.delete(done); resolve(true); };
        const timer = setTimeout(() => { drainWaiters.delete(done); resolve(false); }, timeoutMs);
        drainWaiters.add(done);
      });
    },
    status(): SinkStatus & { rejected: number; recovered: number; durable: boolean } {
      return sinkStatus("mqtt", client.isConnected(), outbox.stats());
    },
  };
}
