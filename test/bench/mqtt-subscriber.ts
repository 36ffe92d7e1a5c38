import { connectAsync } from "mqtt";
import { Meter } from "./xmpp-subscriber.js";

const now = (): number => performance.timeOrigin + performance.now();

/** An independent MQTT subscriber (QoS 1) that times each SenML JSON record from `t` to receipt. */
export async function startMqttSubscriber(url: string) {
  const client = await connectAsync(url, { clientId: `bench-sub-${process.pid}`, reconnectPeriod: 0, clean: true });
  // The measuring end must not be the bottleneck: mqtt.js leaves Nagle on, and PUBACKs held back
  // by it pace the broker's QoS 1 window towards this subscriber.
  (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const meters = new Set<Meter>();
  client.on("message", (topic, payload, packet) => {
    if (packet.retain) return; // a retained copy from an earlier phase, not a live reading
    const at = now();
    for (const meter of meters) {
      if (!topic.startsWith(meter.prefix)) continue;
      meter.items++;
      let records: Array<{ t?: number }>;
      try { records = JSON.parse(payload.toString()) as Array<{ t?: number }>; } catch { continue; }
      for (const record of records) {
        meter.records++;
        if (Number.isNaN(meter.firstAt)) meter.firstAt = at;
        meter.lastAt = at;
        if (typeof record.t === "number" && record.t * 1000 >= meter.timeFromMs) meter.latency.add(at - record.t * 1000);
      }
    }
  });
  return {
    async subscribe(filter: string): Promise<void> {
      await client.subscribeAsync(filter, { qos: 1 });
    },
    meter(prefix: string, timeFromMs = 0): Meter {
      const meter = new Meter(prefix, timeFromMs);
      meters.add(meter);
      return meter;
    },
    release(meter: Meter): void { meters.delete(meter); },
    async stop(): Promise<void> { await client.endAsync().catch(() => undefined); },
  };
}
