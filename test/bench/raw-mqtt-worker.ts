/**
 * The raw MQTT baseline: mqtt.js publishing the bridge's SenML JSON payload at QoS 1 (retained,
 * as the bridge does), the bridge's window of unacknowledged publishes, to the same broker.
 */
import { connectAsync, type MqttClient } from "mqtt";
import type { Reading } from "../../src/readings/reading.js";
import { encodeReadingPayload } from "../../src/senml/json.js";
import { processFootprint, serveWorker } from "./ipc.js";

let client: MqttClient | undefined;
let topics: string[] = [];
let sequence = 0;

serveWorker({
  async start(args: { url: string; topics: string[] }) {
    topics = args.topics;
    client = await connectAsync(args.url, { clientId: `bench-raw-${process.pid}`, reconnectPeriod: 0, protocolVersion: 4 });
    // TCP_NODELAY as the bridge sets it, so the baseline is the best raw mqtt.js can do.
    (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    return { topics: topics.length };
  },

  async publish(args: { count: number; window: number; retain: boolean }) {
    const c = client!;
    const t0 = performance.timeOrigin + performance.now();
    let sent = 0;
    let acked = 0;
    let failed = 0;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        while (sent < args.count && sent - acked - failed < args.window) {
          const topic = topics[sent % topics.length]!;
          sent++;
          const timeMs = Date.now();
          sequence++;
          const reading: Reading = { device: "raw", channel: topic.slice(topic.lastIndexOf("/") + 1), value: 20 + (sequence % 1000) / 100, unit: "Cel", time: timeMs / 1000, id: `${timeMs.toString(36)}-${sequence.toString(36)}` };
          c.publish(topic, encodeReadingPayload("raw@localhost", reading), { qos: 1, retain: args.retain }, (error) => {
            if (error) failed++;
            else acked++;
            if (acked + failed === args.count) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    return { startedAt: t0, endedAt: performance.timeOrigin + performance.now(), acked, failed };
  },

  footprint: (args?: { gc?: boolean }) => processFootprint(args),

  async stop() {
    await client?.endAsync().catch(() => undefined);
  },
});
