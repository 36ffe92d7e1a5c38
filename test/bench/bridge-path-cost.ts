/**
 * The MQTT bridge's CPU per reading against raw mqtt.js, on a real broker: `bridge` is the agent's
 * pipeline, outbox, delivery engine, reading transport and MQTT client fed one reading per PUBACK
 * (as bridge-worker.ts's paced feed); `client` the agent's MQTT client alone; `raw` mqtt.js as
 * raw-mqtt-worker.ts uses it. 64 publishes in flight, QoS 1, retained, the same payload encoder.
 *
 * `node <flags> dist/test/bench/bridge-path-cost.js mqtt://127.0.0.1:PORT bridge|client|raw [count]`
 * prints readings/s and CPU per 1000 readings (user, system, minor page faults). Times on a shared
 * machine are noise; instruction counts are not: run it under `valgrind --tool=cachegrind
 * --cache-sim=no` with node's `--single-threaded --predictable` at two counts (5000 and 25000)
 * and divide the difference of `I refs` by 20000. Each mode runs in its own process: mqtt.js (and
 * the agent's quiet `debug` for it, src/mqtt/quiet-debug.ts) load once per process.
 */
import pino from "pino";
import { createDeliverySink } from "../../src/delivery/engine.js";
import type { Transport } from "../../src/delivery/types.js";
import { createMqttClient } from "../../src/mqtt/client.js";
import { createMqttReadingTransport } from "../../src/mqtt/readings-transport.js";
import { openOutbox } from "../../src/outbox/index.js";
import { createPipeline } from "../../src/pipeline/pipeline.js";
import type { Reading } from "../../src/readings/reading.js";
import { encodeReadingPayload } from "../../src/senml/json.js";

const [url, mode = "bridge", countArg = "100000"] = process.argv.slice(2);
if (!url || !["bridge", "client", "raw"].includes(mode)) {
  console.error("usage: bridge-path-cost.js mqtt://127.0.0.1:PORT bridge|client|raw [count]");
  process.exit(64);
}
const COUNT = Number(countArg);
const WINDOW = 64;
const CHANNELS = Array.from({ length: 10 }, (_, i) => `c${i}`);
const log = pino({ level: "silent" });
let sequence = 0;

function reading(device: string, channel: string): Reading {
  const timeMs = Date.now();
  sequence++;
  return { device, channel, value: 20 + (sequence % 1000) / 100, unit: "Cel", time: timeMs / 1000, id: `${timeMs.toString(36)}-${sequence.toString(36)}` };
}

/** Publishes COUNT with at most WINDOW unacknowledged: `publish(i, done)` sends reading i. */
function windowed(publish: (i: number, done: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    let sent = 0;
    let acked = 0;
    const pump = (): void => {
      while (sent < COUNT && sent - acked < WINDOW) {
        publish(sent++, () => {
          acked++;
          if (acked === COUNT) resolve();
          else pump();
        });
      }
    };
    pump();
  });
}

async function raw(): Promise<void> {
  const { connectAsync } = await import("mqtt");
  const c = await connectAsync(url!, { clientId: `path-cost-raw-${process.pid}`, reconnectPeriod: 0, protocolVersion: 4 });
  (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  await windowed((i, done) => {
    const r = reading("raw", CHANNELS[i % CHANNELS.length]!);
    c.publish(`bench/cost/raw/${r.channel}`, encodeReadingPayload("raw@localhost", r), { qos: 1, retain: true }, done);
  });
  await c.endAsync();
}

async function agent(): Promise<void> {
  const controller = new AbortController();
  const client = createMqttClient({ log }, { url: url!, clientId: `path-cost-${process.pid}`, keepaliveS: 60, connectTimeoutMs: 5000, reconnectMinMs: 1000, reconnectMaxMs: 5000, statusTopic: "bench/cost/status", protocolVersion: 4 });
  client.start(controller.signal);
  if (!(await client.waitOnline(10_000))) throw new Error(`no broker at ${url}`);
  if (mode === "client") {
    await windowed((i, done) => {
      const r = reading("fast", CHANNELS[i % CHANNELS.length]!);
      client.publishWithCallback(`bench/cost/fast/${r.channel}`, encodeReadingPayload("agent@localhost", r), { qos: 1, retain: true }, done);
    });
  } else {
    const transport = createMqttReadingTransport({ client }, { topicPrefix: "bench/cost", agentBareJid: "agent@localhost", qos: 1, retain: true });
    let onAcknowledged: (() => void) | undefined;
    const paced: Transport = { ...transport, send: (entries, acknowledged) => transport.send(entries, (failure) => { acknowledged(failure); onAcknowledged?.(); }) };
    const sink = createDeliverySink({ transport: paced, outbox: openOutbox({ log }, "mqtt", undefined, 1_000_000), log });
    await sink.start(controller.signal);
    const config = Object.fromEntries(CHANNELS.map((c) => [c, { unit: "Cel" }]));
    const pipeline = createPipeline({ channels: () => config, onReading: (r) => sink.accept(r) });
    let fed = 0;
    let value = 0;
    const feedOne = (): void => {
      value = (value + 1) % 10_000;
      pipeline.process("fast", { channel: CHANNELS[fed++ % CHANNELS.length]!, value: 15 + value / 1000, time: Date.now() / 1000 });
    };
    onAcknowledged = () => { if (fed < COUNT) feedOne(); };
    while (fed < Math.min(COUNT, WINDOW)) feedOne();
    if (!(await sink.flush(120_000))) throw new Error("the bridge did not drain in 120 s");
    await sink.stop();
  }
  await client.stop();
  controller.abort();
}

const startedAt = performance.now();
const cpuBefore = process.cpuUsage();
const faultsBefore = process.resourceUsage().minorPageFault;
await (mode === "raw" ? raw() : agent());
const cpu = process.cpuUsage(cpuBefore);
const per1k = (us: number): string => (us / 1000 / (COUNT / 1000)).toFixed(1);
console.log(`${mode}: ${(COUNT / ((performance.now() - startedAt) / 1000)).toFixed(0)} readings/s, CPU ms per 1000 ${per1k(cpu.user + cpu.system)} (user ${per1k(cpu.user)}, system ${per1k(cpu.system)}), minor page faults ${process.resourceUsage().minorPageFault - faultsBefore}`);
