import { agentConfig, drained, simulatedDevice, startAgentWorker, waitRecords, worker, type BenchContext } from "./context.js";
import type { WorkerHandle } from "./ipc.js";
import { startMqttSubscriber } from "./mqtt-subscriber.js";
import { sleep } from "./stats.js";

const CHANNELS = 10;
const WINDOW = 64; // the bridge's default PUBACK window (src/mqtt/readings-transport.ts)
type Timed = { startedAt: number; endedAt: number };

/**
 * The bridge is fed as raw mqtt.js publishes: the next reading when a PUBACK frees a slot, with one
 * window queued ahead (bridge-worker's `ahead`). Fed as fast as the event loop turns (64 per turn) it
 * held tens of thousands of readings queued (live heap 20-28 MB against raw's 13), and the collector
 * walking that backlog, which raw never has, was most of the difference. The whole agent has no such
 * hook and is fed a window's worth per turn.
 */
async function feedAndDrain(w: WorkerHandle, channels: string[], count: number, paced: boolean): Promise<Timed> {
  const fed = w.call<Timed>("feed", { device: "fast", channels, count, chunk: WINDOW, ...(paced ? { ahead: WINDOW } : {}) }, 120_000);
  if (paced) return fed; // the paced feed ends at the last PUBACK itself
  const { startedAt } = await fed;
  const { at } = await w.call<{ at: number }>("drained", { sink: "mqtt", timeoutMs: 110_000 }, 120_000);
  return { startedAt, endedAt: at };
}

/**
 * QoS 1 readings/s, from the first reading to the last PUBACK (an independent subscriber checks that
 * every reading arrived; its own pace is not timed): raw mqtt.js, the bridge alone (src/mqtt client
 * and reading sink behind the pipeline) and the whole agent, same broker, same payload, alternating
 * trials. The whole agent also publishes every reading to XMPP (batched, windowMs 200,
 * maxReadings 500), and Prosody's share of that work competes for the same 2 cores.
 */
export interface MqttThroughput {
  readonly raw: number[];
  readonly bridge: number[];
  readonly agent: number[];
  /** Publisher CPU ms per 1000 readings, per trial: where the time goes when the rates differ. */
  readonly cpuMsPer1k: { readonly raw: number[]; readonly bridge: number[]; readonly agent: number[] };
}

export async function mqttThroughput(ctx: BenchContext, count: number, trials: number, nodeFlags: readonly string[] = []): Promise<MqttThroughput> {
  const sub = await startMqttSubscriber(ctx.mosquitto.url);
  const profileDir = process.env["BENCH_CPU_PROF"];
  const raw = worker(ctx, "raw-mqtt-worker", ["--expose-gc", ...nodeFlags, ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [])]);
  const bridge = worker(ctx, "bridge-worker", ["--expose-gc", ...nodeFlags, ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [])]);
  let agent: WorkerHandle | undefined;
  try {
    await sub.subscribe("bench/#");
    const topics = Array.from({ length: CHANNELS }, (_, i) => `bench/raw/raw/c${i}`);
    await raw.call("start", { url: ctx.mosquitto.url, topics });
    agent = await startAgentWorker(ctx, agentConfig(ctx, {
      nodePrefix: "bench/mqtt/", devices: [simulatedDevice("fast", CHANNELS, 86_400_000)], maxPending: 1_000_000,
      batch: { windowMs: 200, maxReadings: 500 },
      mqtt: { url: ctx.mosquitto.url, topicPrefix: "bench/agent", clientId: "bench-agent", maxPending: 1_000_000, homeAssistant: { enabled: false } },
    }), nodeFlags);
    const a = agent;
    await bridge.call("start", { config: agentConfig(ctx, {
      nodePrefix: "bench/unused/", devices: [simulatedDevice("fast", CHANNELS, 86_400_000)],
      mqtt: { url: ctx.mosquitto.url, topicPrefix: "bench/bridge", clientId: "bench-bridge", maxPending: 1_000_000, homeAssistant: { enabled: false } },
    }) });
    const channels = Array.from({ length: CHANNELS }, (_, i) => `c${i}`);
    await raw.call("publish", { count: 500, window: WINDOW, retain: true });
    await a.call("feed", { device: "fast", channels, count: 500, chunk: 500 });
    await bridge.call("feed", { device: "fast", channels, count: 500, chunk: 500 });
    await drained(a, "mqtt");
    await drained(bridge, "mqtt");
    const results: MqttThroughput = { raw: [], bridge: [], agent: [], cpuMsPer1k: { raw: [], bridge: [], agent: [] } };
    const cpuMs = async (w: WorkerHandle): Promise<number> => { const f = await w.call<{ cpuUserUs: number; cpuSystemUs: number }>("footprint"); return (f.cpuUserUs + f.cpuSystemUs) / 1000; };
    for (let trial = 0; trial < trials; trial++) {
      for (const [name, prefix, publisher, run] of [
        ["raw", "bench/raw/", raw, async () => raw.call<Timed & { endedAt: number }>("publish", { count, window: WINDOW, retain: true }, 120_000)],
        ["bridge", "bench/bridge/", bridge, () => feedAndDrain(bridge, channels, count, true)],
        ["agent", "bench/agent/", a, () => feedAndDrain(a, channels, count, false)],
      ] as const) {
        const meter = sub.meter(prefix);
        const cpuBefore = await cpuMs(publisher);
        const timed = await run();
        results.cpuMsPer1k[name].push((await cpuMs(publisher) - cpuBefore) / (count / 1000));
        // Timed to the last PUBACK (QoS 1: the broker has it); the subscriber checks every reading arrived.
        await waitRecords(meter, count, 120_000, `mqtt ${name}`);
        sub.release(meter);
        results[name].push(count / ((timed.endedAt - timed.startedAt) / 1000));
        await sleep(200);
      }
      await drained(a, "mqtt");
    }
    return results;
  } finally {
    await raw.close();
    await bridge.close();
    await agent?.close();
    await sub.stop();
  }
}
