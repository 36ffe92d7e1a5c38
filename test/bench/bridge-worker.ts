/**
 * The MQTT bridge alone: the agent's broker client and reading sink (src/mqtt) behind the agent's
 * pipeline, without the XMPP side. In the whole agent every reading also goes to XMPP pubsub, and
 * Prosody's work on the same readings takes a core on a 2-core box; this isolates the bridge.
 */
import { parseConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/logging/log.js";
import { createMqttClientFromConfig } from "../../src/mqtt/bridge.js";
import { topicPrefixOf } from "../../src/mqtt/options.js";
import { createDeliverySink } from "../../src/delivery/engine.js";
import { createMqttReadingTransport } from "../../src/mqtt/readings-transport.js";
import type { Transport } from "../../src/delivery/types.js";
import { openOutbox } from "../../src/outbox/index.js";
import { createPipeline } from "../../src/pipeline/pipeline.js";
import { processFootprint, serveWorker } from "./ipc.js";

const controller = new AbortController();
let feedOne: ((device: string, channel: string, value: number) => void) | undefined;
let status: (() => unknown) | undefined;
let stopAll: (() => Promise<void>) | undefined;
let flush: ((timeoutMs: number) => Promise<boolean>) | undefined;
let onAcknowledged: (() => void) | undefined;
let value = 0;

serveWorker({
  async start(args: { config: unknown }) {
    const { config } = parseConfig(args.config, {});
    const mqtt = config.mqtt!;
    const log = createLogger({ level: config.log.level, name: "bench-bridge" });
    const client = createMqttClientFromConfig(config, mqtt, log);
    const transport = createMqttReadingTransport({ client }, { topicPrefix: topicPrefixOf(config, mqtt), agentBareJid: config.xmpp.jid, qos: mqtt.qos, retain: mqtt.retain });
    // Tells a paced feed that a PUBACK came (after the engine has taken it and sent the next reading).
    const paced: Transport = { ...transport, send: (entries, acknowledged) => transport.send(entries, (failure) => { acknowledged(failure); onAcknowledged?.(); }) };
    const sink = createDeliverySink({ transport: paced, outbox: openOutbox({ log }, "mqtt", undefined, mqtt.maxPending), log });
    const channels = new Map(config.devices.map((d) => [d.id, d.channels ?? {}]));
    const pipeline = createPipeline({ channels: (device) => channels.get(device), onReading: (reading) => sink.accept(reading) });
    client.start(controller.signal);
    if (!(await client.waitOnline(10_000))) throw new Error("bridge: broker not reachable");
    await sink.start(controller.signal);
    feedOne = (device, channel, v) => { pipeline.process(device, { channel, value: v, time: Date.now() / 1000 }); };
    status = () => ({ sinks: [sink.status()] });
    flush = (timeoutMs) => sink.flush(timeoutMs);
    stopAll = async () => { await sink.stop(); await client.stop(); };
    return {};
  },

  /**
   * `chunk` per event-loop turn, as fast as the loop turns; or, with `ahead`, that many at once and
   * then one more per PUBACK: a source at the sink's own pace, with `ahead` minus the window
   * queued, as raw mqtt.js builds a reading when a slot frees; it then ends when all are acknowledged.
   */
  async feed(args: { device: string; channels: string[]; count: number; chunk: number; ahead?: number }) {
    const t0 = performance.timeOrigin + performance.now();
    let fed = 0;
    const one = (): void => {
      value = (value + 1) % 10_000;
      feedOne!(args.device, args.channels[fed % args.channels.length]!, 15 + value / 1000);
      fed++;
    };
    if (args.ahead !== undefined) {
      const ahead = args.ahead;
      await new Promise<void>((resolve) => {
        onAcknowledged = () => {
          if (fed < args.count) one();
          if (fed === args.count) { onAcknowledged = undefined; resolve(); }
        };
        while (fed < Math.min(args.count, ahead)) one();
        if (fed === args.count) { onAcknowledged = undefined; resolve(); }
      });
      // Timed to the last PUBACK here, as raw's loop is: the last reading is fed one window before
      // the end, and a separate `drained` call would add the IPC round trip to the burst.
      if (!(await flush!(110_000))) throw new Error("mqtt not drained after 110000 ms");
      return { startedAt: t0, endedAt: performance.timeOrigin + performance.now() };
    }
    await new Promise<void>((resolve) => {
      const step = (): void => {
        const end = Math.min(args.count, fed + args.chunk);
        while (fed < end) one();
        if (fed < args.count) setImmediate(step);
        else resolve();
      };
      step();
    });
    return { startedAt: t0, endedAt: performance.timeOrigin + performance.now() };
  },

  status: () => status!(),
  footprint: (args?: { gc?: boolean }) => processFootprint(args),
  /**
   * Resolves when `sink` has nothing pending (all acknowledged by the broker): the publisher-side end
   * of a burst. The sink's own drain wait settles in the last PUBACK's callback, as the raw worker's
   * timing does; polling the status every millisecond instead cost this process CPU during the burst
   * (a status object and a timer per poll) and ended the timing up to a timer tick late.
   */
  async drained(args: { sink: string; timeoutMs: number }) {
    if (args.sink !== "mqtt") throw new Error(`bridge worker has no sink ${args.sink}`);
    if (!(await flush!(args.timeoutMs))) throw new Error(`${args.sink} not drained after ${args.timeoutMs} ms`);
    return { at: performance.timeOrigin + performance.now() };
  },

  async stop() {
    await stopAll?.();
    controller.abort();
  },
});
