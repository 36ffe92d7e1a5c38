import { describe, expect, it } from "vitest";
import pino from "pino";
import type { RawSample } from "../../src/device-contract/index.js";
import { createSimulatedDevice } from "./index.js";
import { createWaveform } from "./waveform.js";
import { simulatedDeviceSchema } from "./schema.js";

describe("simulated waveforms", () => {
  it("sine stays between min and max and reaches both over a period", () => {
    const wave = createWaveform({ min: 15, max: 30, periodMs: 1000 });
    const values = Array.from({ length: 100 }, (_, i) => wave.next(i * 10) as number);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...values)).toBeLessThanOrEqual(30);
    expect(wave.next(250)).toBeCloseTo(30);
    expect(wave.next(750)).toBeCloseTo(15);
  });
  it("random walk never leaves its bounds, even with extreme steps", () => {
    let flip = 0;
    const wave = createWaveform({ waveform: "randomWalk", min: 0, max: 10, step: 50 }, () => (flip++ % 2 === 0 ? 1 : 0));
    for (let i = 0; i < 50; i++) {
      const v = wave.next(0) as number;
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(10);
    }
  });
  it("refuses min above max in config", () => {
    expect(simulatedDeviceSchema.safeParse({ id: "x", driver: "simulated", channels: { t: { min: 5, max: 1 } } }).success).toBe(false);
  });
});

describe("simulated device", () => {
  it("emits every channel each interval and reads a written value back at once", async () => {
    const samples: RawSample[] = [];
    const device = createSimulatedDevice(
      { deviceId: "d", log: pino({ level: "silent" }), emit: (s) => samples.push(s), setHealth: () => undefined },
      simulatedDeviceSchema.parse({ id: "d", driver: "simulated", intervalMs: 20, channels: { t: { unit: "Cel" }, lamp: { type: "boolean", writable: true } } }),
    );
    await device.start(new AbortController().signal);
    await new Promise((r) => setTimeout(r, 70));
    expect(samples.filter((s) => s.channel === "t").length).toBeGreaterThanOrEqual(3);
    expect(samples.filter((s) => s.channel === "lamp").every((s) => s.value === false)).toBe(true);
    await device.write("lamp", true);
    expect(samples.at(-1)).toMatchObject({ channel: "lamp", value: true });
    await expect(device.write("t", 5)).rejects.toThrow(/not writable/);
    await expect(device.write("lamp", "bright")).rejects.toThrow(/expects a boolean/);
    await device.stop();
    const count = samples.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(samples.length).toBe(count);
    expect(device.writableChannels()).toEqual(["lamp"]);
  });
});
