import { describe, expect, it } from "vitest";
import { channelType, coerceToChannel } from "./channel-type.js";

describe("channelType: the one rule for a channel's type", () => {
  it("takes the declared type first", () => {
    expect(channelType({ type: "string", unit: "Cel" })).toBe("string");
    expect(channelType({ type: "boolean", value: 3 })).toBe("boolean");
  });
  it("makes a channel with a unit or any numeric setting a number", () => {
    for (const config of [{ unit: "Cel" }, { scale: 0.1 }, { offset: 0 }, { precision: 1 }, { deadband: 0.5 }, { validMin: 0 }, { validMax: 9 }]) {
      expect(channelType({ ...config, value: "idle" }), JSON.stringify(config)).toBe("number");
    }
  });
  it("falls back to the type of a configured value, else leaves the channel untyped", () => {
    expect(channelType({ value: false })).toBe("boolean");
    expect(channelType({ value: "idle" })).toBe("string");
    expect(channelType({ value: 22 })).toBe("number");
    expect(channelType({ writable: true })).toBeUndefined();
    expect(channelType(undefined)).toBeUndefined();
  });
});

describe("coerceToChannel", () => {
  it("types a value by the rule: garbage on a number channel is refused, an untyped channel keeps it", () => {
    expect(coerceToChannel("21.5", { scale: 2 })).toEqual({ ok: true, value: 21.5 });
    expect(coerceToChannel("hot", { scale: 2 })).toEqual({ ok: false, reason: 'expected a number, got "hot"' });
    expect(coerceToChannel("on", { value: false })).toEqual({ ok: true, value: true });
    expect(coerceToChannel("hot", {})).toEqual({ ok: true, value: "hot" });
  });
});
