import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { topicMatches, type DeviceHealth, type MqttLink, type RawSample } from "../../src/device-contract/index.js";
import { createMqttDevice, mqttDeviceSchema } from "./index.js";

/** Our own MqttLink interface, implemented in memory (the real one is tested against Mosquitto in test/mqtt). */
function fakeLink() {
  const subs: Array<{ filter: string; handler: (topic: string, payload: Buffer) => void }> = [];
  const listeners = new Set<(up: boolean) => void>();
  const published: Array<{ topic: string; payload: string; retain: boolean }> = [];
  let connected = true;
  const link: MqttLink = {
    subscribe(filter, handler) {
      const entry = { filter, handler };
      subs.push(entry);
      return () => { subs.splice(subs.indexOf(entry), 1); };
    },
    async publish(topic, payload, options) {
      if (!connected) throw new Error("not connected");
      published.push({ topic, payload, retain: options.retain });
    },
    isConnected: () => connected,
    onConnectionChange(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
  return {
    link, published, subs,
    deliver(topic: string, payload: string | Buffer) { for (const s of subs) if (topicMatches(s.filter, topic)) s.handler(topic, Buffer.from(payload)); },
    setConnected(up: boolean) { connected = up; for (const l of listeners) l(up); },
  };
}

function setup(raw: Record<string, unknown>, link: MqttLink | undefined) {
  const samples: RawSample[] = [];
  const health: DeviceHealth[] = [];
  const options = mqttDeviceSchema.parse({ id: "plug", driver: "mqtt", ...raw });
  const driver = createMqttDevice({
    deviceId: "plug", log: pino({ level: "silent" }), emit: (s) => samples.push(s), setHealth: (h) => health.push(h),
    ...(link ? { mqtt: link } : {}),
  }, options);
  return { driver, samples, health, last: () => health[health.length - 1] };
}

describe("mqtt gateway driver", () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it("maps topics to channels and follows broker and LWT availability in its health", async () => {
    const fake = fakeLink();
    const { driver, samples, last } = setup({
      subscriptions: [{ topic: "tele/+/SENSOR", format: "tasmota", paths: { power: "ENERGY.Power" } }, { topic: "garage/t", channel: "t" }],
      availability: { topic: "tele/plug/LWT" },
    }, fake.link);
    await driver.start(new AbortController().signal);
    expect(last()).toEqual({ state: "ok" });
    fake.deliver("tele/plug/SENSOR", JSON.stringify({ ENERGY: { Power: 12 } }));
    fake.deliver("garage/t", "19.5");
    expect(samples).toEqual([{ channel: "power", value: 12 }, { channel: "t", value: "19.5" }]);
    fake.deliver("tele/plug/LWT", "Offline");
    expect(last()).toEqual({ state: "failing", reason: "tele/plug/LWT says Offline" });
    fake.deliver("tele/plug/LWT", "Online");
    expect(last()).toEqual({ state: "ok" });
    fake.setConnected(false);
    expect(last()).toEqual({ state: "failing", reason: "MQTT broker not connected" });
    fake.setConnected(true);
    expect(last()).toEqual({ state: "ok" });
    await driver.stop();
    expect(fake.subs).toHaveLength(0);
    expect(last()).toEqual({ state: "stopped" });
  });

  it("marks a silent device failing after staleAfterMs and recovers on the next message", async () => {
    const fake = fakeLink();
    const { driver, last } = setup({ subscriptions: [{ topic: "a/t", channel: "t" }], staleAfterMs: 5000 }, fake.link);
    await driver.start(new AbortController().signal);
    fake.deliver("a/t", "1");
    vi.advanceTimersByTime(10_001);
    expect(last()).toMatchObject({ state: "failing", reason: expect.stringMatching(/^no message for 1\d s$/) });
    fake.deliver("a/t", "2");
    expect(last()).toEqual({ state: "ok" });
    await driver.stop();
  });

  it("counts oversize and garbage payloads without emitting", async () => {
    const fake = fakeLink();
    const { driver, samples } = setup({ subscriptions: [{ topic: "j", format: "json" }], maxPayloadBytes: 64 }, fake.link);
    await driver.start(new AbortController().signal);
    fake.deliver("j", JSON.stringify({ big: "x".repeat(100) }));
    fake.deliver("j", "{broken");
    fake.deliver("j", JSON.stringify({ ok: 1 }));
    expect(samples).toEqual([{ channel: "ok", value: 1 }]);
    expect(driver.stats()).toMatchObject({ messages: 3, oversize: 1, garbage: 1, samples: 1 });
    await driver.stop();
  });

  it("publishes set to the command topic, ON/OFF for booleans, and reads back when optimistic", async () => {
    const fake = fakeLink();
    const { driver, samples } = setup({
      subscriptions: [{ topic: "stat/plug/POWER", channel: "power" }],
      commands: { power: { topic: "cmnd/plug/POWER" }, level: { topic: "cmnd/plug/Dimmer", optimistic: true } },
    }, fake.link);
    await driver.start(new AbortController().signal);
    expect(driver.writableChannels()).toEqual(["power", "level"]);
    await driver.write("power", true);
    await driver.write("power", false);
    await driver.write("level", 40);
    expect(fake.published).toEqual([
      { topic: "cmnd/plug/POWER", payload: "ON", retain: false },
      { topic: "cmnd/plug/POWER", payload: "OFF", retain: false },
      { topic: "cmnd/plug/Dimmer", payload: "40", retain: false },
    ]);
    expect(samples).toEqual([{ channel: "level", value: 40 }]);
    await expect(driver.write("other", 1)).rejects.toMatchObject({ code: "NOT_WRITABLE" });
    fake.setConnected(false);
    await expect(driver.write("power", true)).rejects.toMatchObject({ code: "DEVICE_FAILING", message: "plug: MQTT broker not connected" });
    await driver.stop();
  });

  it("refuses to start without the agent's broker connection", async () => {
    const { driver } = setup({ subscriptions: [{ topic: "a", channel: "t" }] }, undefined);
    await expect(driver.start(new AbortController().signal)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});
