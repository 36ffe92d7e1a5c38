import { agentConfig, drained, simulatedDevice, startAgentWorker, waitRecords, worker, type BenchContext } from "./context.js";
import type { WorkerHandle } from "./ipc.js";
import { startMqttSubscriber } from "./mqtt-subscriber.js";
import { sleep } from "./stats.js";

const CHANNELS = 10;
const WINDOW = 64; // the bridge's default PUBACK window (src/mqtt/readings-sink.ts)
type Timed = { startedAt: number };

/**
 * QoS 1 readings/s at an independent MQTT subscriber: raw mqtt.js against the agent's bridge, same
 * broker, same payload, alternating trials. The agent always publishes to XMPP as well; there it
 * batches (windowMs 200, maxReadings 500) so the MQTT side is what is measured.
 */
export async function mqttThroughput(ctx: BenchContext, count: number, trials: number): Promise<{ raw: number[]; agent: number[] }> {
  const sub = await startMqttSubscriber(ctx.mosquitto.url);
  const raw = worker(ctx, "raw-mqtt-worker");
  let agent: WorkerHandle | undefined;
  try {
    await sub.subscribe("bench/#");
    const topics = Array.from({ length: CHANNELS }, (_, i) => `bench/raw/raw/c${i}`);
    await raw.call("start", { url: ctx.mosquitto.url, topics });
    agent = await startAgentWorker(ctx, agentConfig(ctx, {
      nodePrefix: "bench/mqtt/", devices: [simulatedDevice("fast", CHANNELS, 86_400_000)], maxPending: 1_000_000,
      batch: { windowMs: 200, maxReadings: 500 },
      mqtt: { url: ctx.mosquitto.url, topicPrefix: "bench/agent", maxPending: 1_000_000, homeAssistant: { enabled: false } },
    }));
    const a = agent;
    const channels = Array.from({ length: CHANNELS }, (_, i) => `c${i}`);
    await raw.call("publish", { count: 500, window: WINDOW, retain: true });
    await a.call("feed", { device: "fast", channels, count: 500, chunk: 500 });
    await drained(a, "mqtt");
    const results = { raw: [] as number[], agent: [] as number[] };
    for (let trial = 0; trial < trials; trial++) {
      for (const [name, prefix, run] of [
        ["raw", "bench/raw/", () => raw.call<Timed>("publish", { count, window: WINDOW, retain: true }, 120_000)],
        ["agent", "bench/agent/", () => a.call<Timed>("feed", { device: "fast", channels, count, chunk: 1000 }, 120_000)],
      ] as const) {
        const meter = sub.meter(prefix);
        const timed = await run();
        await waitRecords(meter, count, 120_000, `mqtt ${name}`);
        sub.release(meter);
        results[name].push(count / ((meter.lastAt - timed.startedAt) / 1000));
        await sleep(200);
      }
      await drained(a, "mqtt");
    }
    return results;
  } finally {
    await raw.close();
    await agent?.close();
    await sub.stop();
  }
}
