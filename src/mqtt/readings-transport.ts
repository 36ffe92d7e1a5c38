import { cachedDestination } from "../delivery/destination-cache.js";
import { followLinkEvents } from "../delivery/link-events.js";
import type { SendFailure, Transport } from "../delivery/types.js";
import { messageOf } from "../errors/catalog.js";
import type { OutboxEntry } from "../outbox/index.js";
import type { Reading } from "../readings/reading.js";
import type { MqttClientHandle, Qos } from "./client.js";
import { encodeReadingPayload } from "../senml/json.js";
import { readingTopic } from "./topics.js";

export interface MqttSinkOptions {
  readonly topicPrefix: string;
  readonly agentBareJid: string;
  readonly qos: Qos;
  readonly retain: boolean;
  /** Publishes awaiting PUBACK at once: keeps throughput up without an unbounded burst. */
  readonly window?: number;
  /** Sees each reading as it is accepted (Home Assistant discovery announces new channels). */
  readonly onReading?: (reading: Reading) => void;
}

/** MQTT 5 PUBACK reason code 0x97 "Quota exceeded" (section 3.4.2.1): the broker is overloaded, not the reading bad. */
const QUOTA_EXCEEDED = 0x97;

/**
 * The MQTT sink's transport: readings on `<prefix>/<device>/<channel>` as SenML JSON, one PUBLISH
 * per reading; acknowledged by the PUBACK (QoS 1) or the write (QoS 0). Every reconnect is a new
 * session for the delivery engine: what was in flight goes out again, oldest first, with the same
 * id. A publish refused on a live connection is set aside by the engine (counted, logged, status).
 */
export function createMqttReadingTransport(
  deps: { client: Pick<MqttClientHandle, "publishWithCallback" | "events" | "isConnected"> },
  options: MqttSinkOptions,
): Transport {
  const { client } = deps;
  const publishOptions = { qos: options.qos, retain: options.retain };
  const topicOf = cachedDestination((device, channel) => readingTopic(options.topicPrefix, device, channel));
  // Every reconnect is a new session; the client fails every publish awaiting its PUBACK on close,
  // and the broker names no guilty packet.
  const link = followLinkEvents(client.events, { resumed: () => false, cause: () => undefined });

  return {
    name: "mqtt",
    peer: "MQTT broker",
    // Fixed: PUBACKs come from the broker's memory, their round trips say little about overload.
    window: { max: options.window ?? 64, adaptive: false },
    isOnline: client.isConnected,
    attach: link.attach,
    detach: link.detach,
    destination: topicOf,
    send(entries: readonly OutboxEntry[], acknowledged) {
      const { reading } = entries[0]!;
      client.publishWithCallback(topicOf(reading), encodeReadingPayload(options.agentBareJid, reading), publishOptions, acknowledged);
    },
    classify(failure): SendFailure {
      if (typeof failure === "object" && failure !== null && (failure as { code?: unknown }).code === QUOTA_EXCEEDED) return { kind: "transient", condition: "quota-exceeded" };
      return { kind: "refused", reason: `refused by the MQTT broker: ${messageOf(failure)}` };
    },
    ...(options.onReading ? { noteAccepted: options.onReading } : {}),
  };
}
