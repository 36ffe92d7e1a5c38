import { describe, expect, it } from "vitest";
import { extract, flatten, getPath, MAX_LEAVES } from "./extract.js";
import { mqttSubscriptionSchema } from "./schema.js";

const sub = (raw: unknown) => mqttSubscriptionSchema.parse(raw);

// A real Tasmota 13 tele/<topic>/SENSOR message of a plug with an energy monitor and an AM2301.
const TASMOTA_SENSOR = JSON.stringify({
  Time: "2026-11-25T04:30:00",
  ENERGY: { TotalStartTime: "2026-01-01T00:00:00", Total: 12.345, Yesterday: 0.4, Today: 0.2, Power: 45, ApparentPower: 50, Voltage: 231, Current: 0.21 },
  AM2301: { Temperature: 21.5, Humidity: 40.2, DewPoint: 7.5 },
  TempUnit: "C",
});

describe("extract", () => {
  it("takes a plain value as text for the pipeline to coerce", () => {
    expect(extract(sub({ topic: "home/t", channel: "temperature" }), " 21.5\n")).toEqual({ ok: true, values: [{ channel: "temperature", value: "21.5" }], missing: [] });
  });

  it("flattens a Tasmota SENSOR message to numeric channels, skipping Time and units", () => {
    const result = extract(sub({ topic: "tele/plug/SENSOR", format: "tasmota" }), TASMOTA_SENSOR);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.values).toEqual([
      { channel: "ENERGY.Total", value: 12.345 },
      { channel: "ENERGY.Yesterday", value: 0.4 },
      { channel: "ENERGY.Today", value: 0.2 },
      { channel: "ENERGY.Power", value: 45 },
      { channel: "ENERGY.ApparentPower", value: 50 },
      { channel: "ENERGY.Voltage", value: 231 },
      { channel: "ENERGY.Current", value: 0.21 },
      { channel: "AM2301.Temperature", value: 21.5 },
      { channel: "AM2301.Humidity", value: 40.2 },
      { channel: "AM2301.DewPoint", value: 7.5 },
    ]);
  });

  it("keeps POWER ON/OFF from a Tasmota STATE message and drops Wifi strings", () => {
    const state = JSON.stringify({ Time: "x", Uptime: "0T01:00:00", Heap: 25, POWER: "ON", Wifi: { AP: 1, SSId: "home", RSSI: 80 } });
    const result = extract(sub({ topic: "tele/plug/STATE", format: "tasmota" }), state);
    expect(result).toEqual({ ok: true, values: [{ channel: "POWER", value: true }, { channel: "Wifi.AP", value: 1 }, { channel: "Wifi.RSSI", value: 80 }], missing: [] });
  });

  it("maps JSON paths to named channels and reports missing paths", () => {
    const s = sub({ topic: "tele/plug/SENSOR", format: "tasmota", paths: { power: "ENERGY.Power", temperature: "AM2301.Temperature", co2: "SCD30.CarbonDioxide" } });
    expect(extract(s, TASMOTA_SENSOR)).toEqual({
      ok: true,
      values: [{ channel: "power", value: 45 }, { channel: "temperature", value: 21.5 }],
      missing: ["SCD30.CarbonDioxide"],
    });
  });

  it("reads array indexes in both spellings", () => {
    expect(getPath({ a: [{ v: 1 }, { v: 2 }] }, "a[1].v")).toBe(2);
    expect(getPath({ a: [{ v: 1 }, { v: 2 }] }, "a.0.v")).toBe(1);
    expect(getPath({ a: 1 }, "a.b.c")).toBeUndefined();
  });

  it("refuses garbage with a reason", () => {
    expect(extract(sub({ topic: "x", format: "json" }), "{not json")).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) });
    expect(extract(sub({ topic: "x", format: "json" }), "42")).toMatchObject({ ok: false, reason: expect.stringMatching(/format "value"/) });
    expect(extract(sub({ topic: "x", channel: "c" }), "   ")).toEqual({ ok: false, reason: "empty payload" });
  });

  it("bounds leaves and depth", () => {
    const wide = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    expect(flatten(wide, () => true)).toHaveLength(MAX_LEAVES);
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(flatten(deep, () => true)).toHaveLength(0);
  });

  it("turns odd keys into valid channel names", () => {
    const result = extract(sub({ topic: "x", format: "json" }), JSON.stringify({ "PM2.5": 3, "_x y": 4 }));
    expect(result).toMatchObject({ ok: true, values: [{ channel: "PM2.5", value: 3 }, { channel: "x_x_y", value: 4 }] });
  });
});

describe("subscription schema", () => {
  it("asks for a channel with format value and refuses one with json", () => {
    expect(mqttSubscriptionSchema.safeParse({ topic: "a/b" }).error?.issues[0]?.message).toMatch(/needs the channel/);
    expect(mqttSubscriptionSchema.safeParse({ topic: "a/b", format: "json", channel: "c" }).error?.issues[0]?.message).toMatch(/use paths/);
    expect(mqttSubscriptionSchema.safeParse({ topic: "a/#/b", channel: "c" }).error?.issues[0]?.message).toMatch(/'#'/);
  });
});
