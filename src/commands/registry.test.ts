import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceSchema } from "../../devices/index.js";
import { createDeviceManager } from "../device-manager/device-manager.js";
import { createPipeline } from "../pipeline/pipeline.js";
import { collectStatus } from "../status/status.js";
import { createCommandRegistry } from "./index.js";

/** The registry over the real device manager, pipeline and simulated driver (no XMPP). */
describe("command registry", () => {
  const devices = [deviceSchema.parse({ id: "greenhouse", driver: "simulated", intervalMs: 60_000, channels: {
    temperature: { unit: "Cel", writable: true, value: 21.5 }, lamp: { type: "boolean", writable: true }, humidity: { unit: "%RH", waveform: "constant", value: 55 } } })];
  const pipeline = createPipeline({ channels: () => devices[0]!.channels, onReading: () => undefined });
  const manager = createDeviceManager({ devices, pipeline, log: pino({ level: "silent" }) });
  const registry = createCommandRegistry({ devices: manager, pipeline, status: () => collectStatus({ name: "pi", jid: "a@x/r", connected: true, startedAt: Date.now(), devices: manager, pipeline, sinks: [] }) });
  const admin = { role: "admin", via: "mqtt" } as const;
  const reader = { role: "reader", via: "mqtt" } as const;

  beforeAll(() => manager.start(new AbortController().signal));
  afterAll(() => manager.stop());

  it("lists by role", () => {
    expect(registry.list("admin").map((c) => c.name)).toEqual(["list", "read", "set", "status", "help"]);
    expect(registry.list("reader").map((c) => c.name)).toEqual(["list", "read", "status", "help"]);
    expect(registry.list("stranger")).toEqual([]);
  });

  it("refuses by role with FORBIDDEN", async () => {
    expect(await registry.execute("set", { device: "greenhouse", channel: "lamp", value: "on" }, reader)).toMatchObject({ status: "error", error: { code: "FORBIDDEN", message: "set is for admins only" } });
    expect(await registry.execute("list", {}, { role: "stranger", via: "chat" })).toMatchObject({ status: "error", error: { code: "FORBIDDEN" } });
    expect(manager.get("greenhouse")).toBeDefined();
    expect(pipeline.latest("greenhouse", "lamp")?.value).toBe(false);
  });

  it("validates input with the command's schema and names the field", async () => {
    expect(await registry.execute("set", { device: "greenhouse", channel: "lamp" }, admin)).toMatchObject({ status: "error", error: { code: "BAD_INPUT", message: "set: value: required" } });
    expect(await registry.execute("read", { device: "greenhouse", colour: "red" }, admin)).toMatchObject({ status: "error", error: { code: "BAD_INPUT", message: "read: unknown field colour" } });
    expect(await registry.execute("reboot", {}, admin)).toMatchObject({ status: "error", error: { code: "BAD_INPUT", message: 'unknown command "reboot"; try: help' } });
    expect(await registry.execute("read", { device: "cellar" }, admin)).toMatchObject({ status: "error", error: { code: "UNKNOWN_DEVICE" } });
    expect(await registry.execute("set", { device: "greenhouse", channel: "humidity", value: 3 }, admin)).toMatchObject({ status: "error", error: { code: "NOT_WRITABLE" } });
  });

  it("set writes through the driver and read returns the new value", async () => {
    const set = await registry.execute("set", { device: "greenhouse", channel: "lamp", value: "on" }, admin);
    expect(set).toEqual({ status: "ok", data: { device: "greenhouse", channel: "lamp", value: true }, text: "greenhouse/lamp = on (was off)" });
    const read = await registry.execute("read", { device: "greenhouse", channel: "lamp" }, reader);
    expect(read).toMatchObject({ status: "ok", data: { device: "greenhouse", readings: [{ channel: "lamp", value: true }] }, text: expect.stringMatching(/^greenhouse\/lamp: on \(\d+s ago\)$/) });
  });

  it("describes form stages with the real devices and channels", () => {
    expect(registry.fields("set", 0).map((f) => [f.name, f.kind, f.options])).toEqual([["device", "choice", ["greenhouse"]], ["channel", "choice", ["temperature", "lamp"]]]);
    expect(registry.fields("set", 1, { device: "greenhouse", channel: "temperature" })).toEqual([{ name: "value", label: "New value of temperature (Cel)", kind: "number", required: true, value: "21.5" }]);
    expect(registry.check("set", 0, { device: "greenhouse", channel: "humidity" })).toBe('greenhouse has no writable channel "humidity"; writable: temperature, lamp');
    expect(registry.check("set", 0, { device: "greenhouse", channel: "lamp" })).toBeUndefined();
    expect(registry.fields("list", 0)).toEqual([]);
  });

  it("refuses set outside validMin/validMax with the range, and the form says the range", async () => {
    const config = [deviceSchema.parse({ id: "bme", driver: "simulated", intervalMs: 60_000, channels: { setpoint: { unit: "Cel", writable: true, value: 26, waveform: "constant", validMin: 10, validMax: 30 } } })];
    const p = createPipeline({ channels: () => config[0]!.channels, onReading: () => undefined });
    const m = createDeviceManager({ devices: config, pipeline: p, log: pino({ level: "silent" }) });
    const r = createCommandRegistry({ devices: m, pipeline: p, status: () => collectStatus({ name: "pi", jid: "a@x/r", connected: true, startedAt: Date.now(), devices: m, pipeline: p, sinks: [] }) });
    await m.start(new AbortController().signal);
    try {
      expect(await r.execute("set", { device: "bme", channel: "setpoint", value: "50" }, admin)).toMatchObject({ status: "error", error: { code: "BAD_INPUT", message: "bme/setpoint: 50°C is outside the valid range (10°C to 30°C); nothing was changed" } });
      expect(await r.execute("set", { device: "bme", channel: "setpoint", value: 9.5 }, admin)).toMatchObject({ status: "error", error: { message: "bme/setpoint: 9.5°C is outside the valid range (10°C to 30°C); nothing was changed" } });
      expect(p.latest("bme", "setpoint")?.value).toBe(26);
      expect(r.fields("set", 1, { device: "bme", channel: "setpoint" })[0]).toMatchObject({ description: "Allowed: 10°C to 30°C" });
      expect(r.check("set", 1, { device: "bme", channel: "setpoint", value: "31" })).toBe("bme/setpoint: 31°C is outside the valid range (10°C to 30°C); nothing was changed");
      expect(await r.execute("set", { device: "bme", channel: "setpoint", value: "30" }, admin)).toMatchObject({ status: "ok", text: "bme/setpoint = 30°C (was 26°C)" });
    } finally {
      await m.stop();
    }
  });
});
