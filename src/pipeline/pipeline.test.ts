import { describe, expect, it } from "vitest";
import type { Reading } from "../reading.js";
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
});
