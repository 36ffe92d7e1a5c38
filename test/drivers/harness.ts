import { Writable } from "node:stream";
import pino from "pino";
import { createDriver, deviceSchema } from "../../devices/index.js";
import type { DeviceDriver, DeviceHealth } from "../../src/device-contract/index.js";
import { createPipeline, type Pipeline } from "../../src/pipeline/pipeline.js";
import type { Reading } from "../../src/readings/reading.js";

/**
 * One device driven exactly as the agent drives it: config parsed by the real catalog schema,
 * samples through the real pipeline into Readings. Logs are captured to check their rate.
 */
export interface DeviceRun {
  readonly driver: DeviceDriver;
  readonly pipeline: Pipeline;
  readonly readings: Reading[];
  readonly health: DeviceHealth[];
  readonly logs: Array<{ level: number; msg: string; [key: string]: unknown }>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Readings reduced to what a subscriber checks: channel, value, unit, quality. */
  values(channel?: string): Array<Pick<Reading, "channel" | "value"> & { unit?: string; quality?: readonly string[] }>;
  lastHealth(): DeviceHealth | undefined;
}

export function runDevice(raw: unknown, factory: typeof createDriver = createDriver): DeviceRun {
  const config = deviceSchema.parse(raw);
  const readings: Reading[] = [];
  const health: DeviceHealth[] = [];
  const logs: DeviceRun["logs"] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n")) if (line) logs.push(JSON.parse(line) as DeviceRun["logs"][number]);
      callback();
    },
  });
  const log = pino({ level: "debug" }, sink);
  const pipeline = createPipeline({ channels: () => config.channels, onReading: (r) => readings.push(r) });
  const controller = new AbortController();
  const driver = factory({ deviceId: config.id, log, emit: (s) => pipeline.process(config.id, s, driver.badValue), setHealth: (h) => health.push(h) }, config);
  return {
    driver,
    pipeline,
    readings,
    health,
    logs,
    start: () => driver.start(controller.signal),
    async stop() {
      controller.abort();
      await driver.stop();
    },
    values(channel) {
      return readings
        .filter((r) => channel === undefined || r.channel === channel)
        .map((r) => ({ channel: r.channel, value: r.value, ...(r.unit !== undefined ? { unit: r.unit } : {}), ...(r.quality ? { quality: r.quality } : {}) }));
    },
    lastHealth: () => health.at(-1),
  };
}
