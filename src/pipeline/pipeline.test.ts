import { describe, expect, it } from "vitest";
import type { Reading } from "../readings/reading.js";
import { createPipeline } from "./pipeline.js";

describe("createPipeline", () => {
  it("turns raw samples into Readings with units, quality and stable unique ids", () => {
    const out: Reading[] = [];
    const rejected: string[] = [];
    const pipeline = createPipeline({
      channels: (device) => (device === "meter" ? { t: { unit: "Cel", scale: 0.1, validMax: 50 }, h: { unit: "%RH", deadband: 1 } } : undefined),
      onReading: (r) => out.push(r),
      onRejected: (_d, c, reason) => rejected.push(`${c}: ${reason}`),
      now: () => 1_764_000_000_000,
    });
    pipeline.process("meter", { channel: "t", value: 215 });
    pipeline.process("meter", { channel: "t", value: 900 });
    pipeline.process("meter", { channel: "h", value: 40, time: 1_764_000_001 });
    pipeline.process("meter", { channel: "h", value: 40.5, time: 1_764_000_002 });
    pipeline.process("meter", { channel: "extra", value: "hello" });
    pipeline.process("meter", { channel: "t", value: "garbage" });
    expect(out.map(({ id: _id, ...rest }) => rest)).toEqual([
      { device: "meter", channel: "t", value: 21.5, unit: "Cel", time: 1_764_000_000 },
      { device: "meter", channel: "t", value: 90, unit: "Cel", time: 1_764_000_000, quality: ["outOfRange"] },
      { device: "meter", channel: "h", value: 40, unit: "%RH", time: 1_764_000_001 },
      { device: "meter", channel: "extra", value: "hello", time: 1_764_000_000 },
    ]);
    expect(new Set(out.map((r) => r.id)).size).toBe(out.length);
    expect(rejected).toEqual(['t: expected a number, got "garbage"']);
    expect(pipeline.stats()).toEqual({ accepted: 4, suppressed: 1, rejected: 1 });
    expect(pipeline.latest("meter", "t")?.value).toBe(90);
  });

  it("a channel's settings replaced after it published apply from its next sample", () => {
    const out: Reading[] = [];
    let channels: Record<string, { unit: string; scale?: number }> = { t: { unit: "Cel" } };
    const pipeline = createPipeline({ channels: () => channels, onReading: (r) => out.push(r), now: () => 1_764_000_000_000 });
    pipeline.process("meter", { channel: "t", value: 215 });
    pipeline.process("meter", { channel: "t", value: 216 });
    channels = { t: { unit: "Cel", scale: 10 } };
    pipeline.process("meter", { channel: "t", value: 217 });
    expect(out.map((r) => r.value)).toEqual([215, 216, 2170]);
    expect(pipeline.latestOf("meter").map((r) => r.value)).toEqual([2170]);
  });

  it("bounds the channels a device may add beyond its named ones; 0 accepts only the named", () => {
    const out: Reading[] = [];
    const rejected: string[] = [];
    const pipeline = createPipeline({
      channels: () => ({ t: { unit: "Cel" } }),
      maxUnnamedChannels: (device) => (device === "strict" ? 0 : device === "small" ? 3 : undefined),
      onReading: (r) => out.push(r),
      onRejected: (d, c, reason) => rejected.push(`${d}/${c}: ${reason}`),
    });
    for (let i = 0; i < 100; i++) pipeline.process("noisy", { channel: `k${i}`, value: i });
    pipeline.process("small", { channel: "bad", value: "a\u0001b" }); // refused: takes no place in the bound
    for (let i = 0; i < 5; i++) pipeline.process("small", { channel: `k${i}`, value: i });
    pipeline.process("small", { channel: "k0", value: 1 }); // a channel it already has stays
    pipeline.process("small", { channel: "t", value: 20 }); // named channels never count
    pipeline.process("strict", { channel: "t", value: 20 });
    pipeline.process("strict", { channel: "junk", value: 1 });
    const byDevice = (d: string) => out.filter((r) => r.device === d).map((r) => r.channel);
    expect(byDevice("noisy")).toEqual(Array.from({ length: 32 }, (_, i) => `k${i}`));
    expect(byDevice("small")).toEqual(["k0", "k1", "k2", "k0", "t"]);
    expect(byDevice("strict")).toEqual(["t"]);
    expect(pipeline.stats()).toMatchObject({ accepted: 32 + 5 + 1, rejected: 68 + 1 + 2 + 1 });
    expect(rejected).toContain('small/k3: "k3" would be unnamed channel 4; the bound is maxUnnamedChannels = 3 (name the channel in channels or raise the bound)');
    expect(rejected).toContain('strict/junk: "junk" is not named in channels (maxUnnamedChannels is 0)');
  });
});

describe("createPipeline: a value its channel cannot hold", () => {
  it("is the driver's bad value when the driver counts its own, else the pipeline's rejection", () => {
    const out: Reading[] = [];
    const rejected: string[] = [];
    const pipeline = createPipeline({ channels: () => ({ t: { unit: "Cel" } }), onReading: (r) => out.push(r), onRejected: (_d, c, reason) => rejected.push(`${c}: ${reason}`) });
    const driverBad: string[] = [];
    pipeline.process("meter", { channel: "t", value: "hot" }, (channel, reason) => driverBad.push(`${channel}: ${reason}`));
    expect(driverBad).toEqual(['t: expected a number, got "hot"']);
    expect(rejected).toEqual([]);
    expect(pipeline.stats()).toEqual({ accepted: 0, suppressed: 0, rejected: 0 });
    pipeline.process("meter", { channel: "t", value: "hot" });
    pipeline.process("meter", { channel: "t", value: " 21.5 " }, () => driverBad.push("unexpected"));
    expect(rejected).toEqual(['t: expected a number, got "hot"']);
    expect(out.map((r) => r.value)).toEqual([21.5]);
    expect(driverBad).toHaveLength(1);
    expect(pipeline.stats()).toEqual({ accepted: 1, suppressed: 0, rejected: 1 });
  });
});

describe("createPipeline: characters XML cannot carry", () => {
  it("rejects a string value or a channel name with a control character as bad input, counted, and keeps tab and newline", () => {
    const out: Reading[] = [];
    const rejected: string[] = [];
    const pipeline = createPipeline({ channels: () => undefined, onReading: (r) => out.push(r), onRejected: (_d, c, reason) => rejected.push(`${c}: ${reason}`) });
    pipeline.process("kv", { channel: "s", value: "a\u0001b" });
    pipeline.process("kv", { channel: "z\u0002", value: 1 });
    pipeline.process("kv", { channel: "s", value: "tab\there" });
    expect(out.map((r) => r.value)).toEqual(["tab\there"]);
    expect(rejected).toEqual(["s: contains U+0001, a control character XML cannot carry", "z\\u0002: contains U+0002, a control character XML cannot carry"]);
    expect(pipeline.stats()).toEqual({ accepted: 1, suppressed: 0, rejected: 2 });
  });
});
