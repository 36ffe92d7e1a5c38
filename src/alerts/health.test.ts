import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeviceHealth } from "../device-contract/index.js";
import type { Reading } from "../readings/reading.js";
import { createAlertEngine, type AlertDelivery, type AlertEvent } from "./engine.js";
import { alertRuleSchema, parseRule } from "./rules.js";

/** Our own interfaces (delivery, health source): recording fakes; the real wiring is tested in test/commands. */
function fakes() {
  const sent: string[] = [];
  const events: AlertEvent[] = [];
  const delivery: AlertDelivery = {
    toJid: (jid, body) => sent.push(`${jid}: ${body}`),
    toRoom: (room, body) => sent.push(`#${room}: ${body}`),
    online: () => true,
    mqtt: { publish: (e) => events.push(e), online: () => true },
  };
  const health = new Map<string, DeviceHealth>([["meter", { state: "starting" }], ["air", { state: "starting" }]]);
  const listeners: Array<() => void> = [];
  const devices = {
    list: () => [...health].map(([id, h]) => ({ id, health: h })),
    onHealthChange: (l: () => void) => { listeners.push(l); },
    set(id: string, h: DeviceHealth) { health.set(id, h); for (const l of listeners) l(); },
  };
  return { sent, events, delivery, devices };
}
const rule = (raw: Record<string, unknown>) => alertRuleSchema.parse({ notify: ["alice@x"], ...raw });
const flush = async (): Promise<void> => { await vi.advanceTimersByTimeAsync(1); };
let n = 0;
const reading = (value: number): Reading => ({ device: "meter", channel: "t", value, unit: "Cel", time: Date.now() / 1000, id: String(n++) });

describe("health alert rules", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("parses failing and stale forms and explains the accepted forms", () => {
    expect(parseRule("meter failing")).toEqual({ ok: true, kind: "failing", device: "meter" });
    expect(parseRule("* failing")).toEqual({ ok: true, kind: "failing", device: "*" });
    expect(parseRule("meter/t stale 10m")).toEqual({ ok: true, kind: "stale", device: "meter", channel: "t", afterMs: 600_000 });
    expect(parseRule("meter/t stale 10")).toMatchObject({ ok: false, reason: expect.stringMatching(/duration of at least 1s/) });
    expect(parseRule("meter is broken")).toMatchObject({ ok: false, reason: expect.stringMatching(/"<device> failing".*stale 10m/) });
  });

  it("a device failing for `for` alerts once with the reason; flapping inside `for` gives nothing; recovery held for `for` clears once", async () => {
    const { sent, events, delivery, devices } = fakes();
    const engine = createAlertEngine({ rules: [rule({ when: "meter failing", for: "10s", room: "ops@conf.x" })], delivery, devices, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    devices.set("meter", { state: "ok" });
    devices.set("meter", { state: "failing", reason: "cannot open /dev/ttyUSB0" });
    await vi.advanceTimersByTimeAsync(5_000);
    devices.set("meter", { state: "ok" }); // back within 10 s: no alert
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sent).toEqual([]);
    devices.set("meter", { state: "failing", reason: "cannot open /dev/ttyUSB0" });
    await vi.advanceTimersByTimeAsync(10_000);
    await flush();
    expect(sent).toEqual([
      "alice@x: ⚠ ALERT meter failing: meter is failing for 10s: cannot open /dev/ttyUSB0",
      "#ops@conf.x: ⚠ ALERT meter failing: meter is failing for 10s: cannot open /dev/ttyUSB0",
    ]);
    expect(events).toMatchObject([{ rule: "meter failing", state: "alert", kind: "failing", device: "meter" }]);
    expect(engine.active()).toEqual(["meter failing"]);
    // Recovers for 3 s then fails again: still the same alert, no all-clear, no second alert.
    devices.set("meter", { state: "ok" });
    await vi.advanceTimersByTimeAsync(3_000);
    devices.set("meter", { state: "failing", reason: "again" });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent).toHaveLength(2);
    devices.set("meter", { state: "ok" });
    await vi.advanceTimersByTimeAsync(10_000);
    await flush();
    expect(sent.slice(2)).toEqual(["alice@x: ✅ OK meter failing: meter is ok again (failing lasted 43s)", "#ops@conf.x: ✅ OK meter failing: meter is ok again (failing lasted 43s)"]);
    expect(events.map((e) => e.state)).toEqual(["alert", "ok"]);
    expect(engine.active()).toEqual([]);
    await engine.stop();
  });

  it("`* failing` watches every device separately; a stopping device is no recovery", async () => {
    const { sent, devices, delivery } = fakes();
    const engine = createAlertEngine({ rules: [rule({ when: "* failing", name: "device down" })], delivery, devices, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    devices.set("meter", { state: "failing", reason: "unplugged" });
    devices.set("air", { state: "failing", reason: "no IIO device" });
    await flush();
    expect(sent).toEqual(["alice@x: ⚠ ALERT device down: meter is failing: unplugged", "alice@x: ⚠ ALERT device down: air is failing: no IIO device"]);
    expect(engine.active()).toEqual(["device down (meter)", "device down (air)"]);
    devices.set("air", { state: "stopped" });
    await flush();
    expect(sent).toHaveLength(2);
    devices.set("meter", { state: "ok" });
    await flush();
    expect(sent[2]).toBe("alice@x: ✅ OK device down: meter is ok again (failing lasted 0s)");
    await engine.stop();
  });

  it("a channel silent for the stale time alerts once, and clears with its next reading", async () => {
    const { sent, events, delivery, devices } = fakes();
    const engine = createAlertEngine({ rules: [rule({ when: "meter/t stale 60s" })], delivery, devices, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(30_000);
    engine.accept(reading(21.5));
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(6_100);
    await flush();
    expect(sent).toEqual([expect.stringMatching(/^alice@x: ⚠ ALERT meter\/t stale 60s: no reading from meter\/t for 1m \(last 21\.5°C 1m ago\)$/)]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sent).toHaveLength(1);
    engine.accept(reading(22));
    await flush();
    expect(sent[1]).toMatch(/^alice@x: ✅ OK meter\/t stale 60s: meter\/t reports again: 22°C \(silent for 3m 5s\)$/);
    expect(events).toMatchObject([{ kind: "stale", state: "alert", device: "meter", channel: "t" }, { kind: "stale", state: "ok" }]);
    await engine.stop();
  });

  it("a channel that never reports is stale from the agent's start", async () => {
    const { sent, delivery } = fakes();
    const engine = createAlertEngine({ rules: [rule({ when: "meter/t stale 5s" })], delivery, log: pino({ level: "silent" }) });
    await engine.start(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(5_600);
    await flush();
    expect(sent).toEqual(["alice@x: ⚠ ALERT meter/t stale 5s: no reading from meter/t for 5s since the agent started"]);
    await engine.stop();
  });
});

describe("health rules in the config", () => {
  it("names the field: unknown device, a stale rule on a deadband channel without a shorter heartbeat", async () => {
    const { configSchema } = await import("../config/schema.js");
    const base = { xmpp: { jid: "a@localhost", password: "x", tls: "off" } };
    const devices = [{ id: "g", driver: "simulated", channels: { t: { unit: "Cel", deadband: 0.5 }, h: { unit: "%RH", deadband: 1, maxIntervalMs: 60_000 } } }];
    const issues = (alerts: unknown[]): string[] => {
      const result = configSchema.safeParse({ ...base, devices, alerts });
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues([{ when: "cellar failing", notify: ["a@x"] }])).toEqual(['alerts.0.when: no device "cellar" in devices (have: g)']);
    expect(issues([{ when: "* failing", notify: ["a@x"] }, { when: "g/h stale 5m", notify: ["a@x"] }])).toEqual([]);
    expect(issues([{ when: "g/t stale 5m", notify: ["a@x"] }])).toEqual(["alerts.0.when: g/t has a deadband, so a steady value is not republished: give it maxIntervalMs below 300000 ms"]);
    expect(issues([{ when: "g/t stale", notify: ["a@x"] }])[0]).toMatch(/^alerts\.0\.when: .*"<device> failing"/);
  });
});
