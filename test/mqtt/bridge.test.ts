import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython } from "../harness/python.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { mosquittoPub, mosquittoSubRetained, observe, type Observer } from "./observer.js";
import { eventually } from "../harness/wait.js";

const PREFIX = "xmpp-iot/testpi";
const NODE_ID = "xmpp-iot_testpi";

interface SenmlRecord { bn?: string; n: string; u?: string; v?: number; vb?: boolean; vs?: string; t: number; id: string }
const records = (text: string): SenmlRecord[] => JSON.parse(text) as SenmlRecord[];

describe("MQTT bridge on a real Mosquitto and Prosody", () => {
  let broker: Mosquitto;
  let bed: TestBed;
  let watcher: Observer;

  beforeAll(async () => {
    broker = await startMosquitto();
    // Left over from an earlier configuration: a device that no longer exists.
    const stale = await observe(broker.url, []);
    await stale.publish(`homeassistant/sensor/${NODE_ID}/gone_temperature/config`, JSON.stringify({ name: "temperature", state_topic: `${PREFIX}/gone/temperature` }), true);
    await stale.publish(`${PREFIX}/gone/temperature`, JSON.stringify([{ bn: "agent@localhost/gone/", n: "temperature", u: "Cel", v: 20, t: 1 }]), true);
    await stale.publish(`${PREFIX}/gone/availability`, "offline", true);
    await stale.close();
    watcher = await observe(broker.url, [`${PREFIX}/#`, "homeassistant/#", "cmnd/#"]);
    bed = await startTestBed({
      name: "testpi",
      devices: [
        {
          id: "g", driver: "simulated", intervalMs: 300,
          channels: {
            temperature: { unit: "Cel", waveform: "sine", min: 15, max: 30, periodMs: 5000 },
            lamp: { type: "boolean", writable: true, value: false },
            setpoint: { unit: "Cel", writable: true, value: 20, min: 5, max: 35, waveform: "constant" },
          },
        },
        {
          id: "plug", driver: "mqtt",
          subscriptions: [
            { topic: "tele/plug/SENSOR", format: "tasmota" },
            { topic: "stat/plug/POWER", channel: "power" },
          ],
          commands: { power: { topic: "cmnd/plug/POWER" } },
          availability: { topic: "tele/plug/LWT" },
          channels: { power: { type: "boolean", writable: true }, "ENERGY.Power": { unit: "W" } },
        },
      ],
      mqtt: { url: broker.url, homeAssistant: { enabled: true } },
    });
  }, 60_000);

  afterAll(async () => {
    await watcher?.close();
    await bed?.stop();
    await broker?.remove();
  });

  it("publishes readings as retained SenML JSON on <prefix>/<device>/<channel>", async () => {
    const live = await watcher.waitFor((m) => m.topic === `${PREFIX}/g/temperature`, 10_000, "a temperature reading");
    const [record] = records(live.text);
    expect(record).toMatchObject({ bn: "agent@localhost/g/", n: "temperature", u: "Cel" });
    expect(record!.v).toBeGreaterThanOrEqual(15);
    expect(record!.v).toBeLessThanOrEqual(30);
    expect(Math.abs(record!.t - Date.now() / 1000)).toBeLessThan(30);
    expect(record!.id).toMatch(/^[0-9a-z]+-[0-9a-z]+$/);
    // A subscriber arriving later gets the last value at once: it was published retained.
    const retained = mosquittoSubRetained(broker.port, `${PREFIX}/g/lamp`);
    expect(retained, "retained lamp reading").toBeDefined();
    expect(records(retained!)[0]).toMatchObject({ n: "lamp", vb: false });
  });

  it("keeps <prefix>/status retained online", () => {
    expect(mosquittoSubRetained(broker.port, `${PREFIX}/status`)).toBe("online");
  });

  it("applies a /set from mosquitto_pub and the new value reaches MQTT and an XMPP subscriber", async () => {
    await watcher.waitFor((m) => m.topic === `${PREFIX}/g/lamp`, 10_000, "a first lamp reading (node exists)");
    const subscriber = runPython("slixmpp_subscriber.py", [
      "--jid", "alice@localhost", "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
      "--node", "sensors/g/lamp", "--timeout", "30", "--no-tls",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.alice });
    try {
      await subscriber.waitFor((l) => "subscribed" in l, 20_000);
      const before = Date.now();
      mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, "ON");
      const item = await subscriber.waitFor((l) => l["n"] === "lamp" && l["vb"] === true, 10_000);
      expect(item).toMatchObject({ node: "sensors/g/lamp", bn: "agent@localhost/g/" });
      const mqtt = await watcher.waitFor((m) => m.topic === `${PREFIX}/g/lamp` && m.at >= before && records(m.text)[0]?.vb === true, 10_000, "lamp=true on MQTT");
      expect(records(mqtt.text)[0]?.id).toBe(item["id"]);
    } finally {
      subscriber.kill();
      await subscriber.exited;
    }
    // A number channel, through the same registry.
    mosquittoPub(broker.port, `${PREFIX}/g/setpoint/set`, "23.5");
    await watcher.waitFor((m) => m.topic === `${PREFIX}/g/setpoint` && records(m.text)[0]?.v === 23.5, 10_000, "setpoint 23.5");
  });

  it("refuses a bad /set with a logged reason and keeps running", async () => {
    const logsBefore = bed.logs.length;
    mosquittoPub(broker.port, `${PREFIX}/g/temperature/set`, "5");
    mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, "maybe");
    mosquittoPub(broker.port, `${PREFIX}/nosuch/lamp/set`, "1");
    await eventually(() => bed.logs.slice(logsBefore).filter((l) => l.includes("MQTT set refused")).length, "three refused sets logged", 5000, { until: (n) => n >= 3 });
    const fresh = bed.logs.slice(logsBefore).join("\n");
    expect(fresh).toMatch(/"code":"NOT_WRITABLE"/);
    expect(fresh).toMatch(/"code":"BAD_INPUT".*expected a boolean/);
    expect(fresh).toMatch(/"code":"UNKNOWN_DEVICE"/);
    mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, "off");
    await watcher.waitFor((m) => m.topic === `${PREFIX}/g/lamp` && records(m.text)[0]?.vb === false && m.at > Date.now() - 2000, 10_000, "lamp back to false");
  });

  it("the same forgiving registry over MQTT: history, names in any case, a value with a decimal comma and its unit", async () => {
    mosquittoPub(broker.port, `${PREFIX}/command/history`, JSON.stringify({ id: "h1", device: "G", channel: "Temperature", period: "1h" }));
    const history = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/history/response` && m.text.includes("\"h1\""), 10_000, "history response")).text);
    expect(history).toMatchObject({ id: "h1", status: "ok", data: { device: "g", channel: "temperature", period: "1h", unit: "Cel", sparkline: expect.stringMatching(/^[▁▂▃▄▅▆▇█·]{30}$/) } });
    expect(history.data.count).toBeGreaterThan(0);
    expect(history.data.min).toBeLessThanOrEqual(history.data.max);
    mosquittoPub(broker.port, `${PREFIX}/command/set`, JSON.stringify({ id: "s1", channel: "setpoint", value: "21,5 °C" }));
    const set = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/set/response` && m.text.includes("\"s1\""), 10_000, "set response")).text);
    expect(set).toMatchObject({ id: "s1", status: "ok", data: { device: "g", channel: "setpoint", value: 21.5 } });
  });

  it("answers command requests on <prefix>/command/<name>/response", async () => {
    mosquittoPub(broker.port, `${PREFIX}/command/read`, JSON.stringify({ id: "r1", device: "g", channel: "temperature" }));
    const ok = await watcher.waitFor((m) => m.topic === `${PREFIX}/command/read/response` && m.text.includes("\"r1\""), 10_000, "read response");
    const okBody = JSON.parse(ok.text) as { id: string; status: string; data: unknown };
    expect(okBody.status).toBe("ok");
    expect(okBody.id).toBe("r1");
    expect(JSON.stringify(okBody.data)).toMatch(/temperature/);
    expect(ok.retain).toBe(false);

    mosquittoPub(broker.port, `${PREFIX}/command/set`, JSON.stringify({ id: 2, device: "g", channel: "temperature", value: 1 }));
    const refused = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/set/response` && m.text.includes("\"id\":2"), 10_000, "set response")).text);
    expect(refused).toMatchObject({ id: 2, status: "error", code: "NOT_WRITABLE" });
    expect(refused.error).toMatch(/not writable/);

    mosquittoPub(broker.port, `${PREFIX}/command/status`, "{oops");
    const garbage = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/status/response` && m.text.includes("not JSON"), 10_000, "garbage response")).text);
    expect(garbage).toMatchObject({ id: null, status: "error", code: "BAD_INPUT" });

    mosquittoPub(broker.port, `${PREFIX}/command/status`, JSON.stringify({ id: "s" }));
    const status = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/status/response` && m.text.includes("\"s\""), 10_000, "status response")).text);
    expect(status.status).toBe("ok");
    expect(JSON.stringify(status.data)).toMatch(/"name":"mqtt"/);
  });

  it("announces Home Assistant entities with units, device classes and availability", async () => {
    const sensor = await watcher.waitFor((m) => m.topic === `homeassistant/sensor/${NODE_ID}/g_temperature/config` && m.text !== "", 10_000, "temperature discovery");
    const config = JSON.parse(sensor.text);
    expect(config).toMatchObject({
      unique_id: "xmpp-iot_testpi_g_temperature",
      state_topic: `${PREFIX}/g/temperature`,
      value_template: "{{ value_json[0].v }}",
      unit_of_measurement: "°C",
      device_class: "temperature",
      state_class: "measurement",
      availability: [
        { topic: `${PREFIX}/status`, payload_available: "online", payload_not_available: "offline" },
        { topic: `${PREFIX}/g/availability`, payload_available: "online", payload_not_available: "offline" },
      ],
      availability_mode: "all",
      device: { identifiers: ["xmpp-iot_testpi_g"], name: "g", manufacturer: "xmpp-iot", sw_version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    });
    expect(config).not.toHaveProperty("command_topic");
    const lamp = JSON.parse((await watcher.waitFor((m) => m.topic === `homeassistant/switch/${NODE_ID}/g_lamp/config`, 10_000, "lamp switch")).text);
    expect(lamp).toMatchObject({ command_topic: `${PREFIX}/g/lamp/set`, payload_on: "ON", payload_off: "OFF", state_on: "ON", state_off: "OFF" });
    const setpoint = JSON.parse((await watcher.waitFor((m) => m.topic === `homeassistant/number/${NODE_ID}/g_setpoint/config`, 10_000, "setpoint number")).text);
    expect(setpoint).toMatchObject({ command_topic: `${PREFIX}/g/setpoint/set`, min: 5, max: 35, unit_of_measurement: "°C", device_class: "temperature" });
    const power = JSON.parse((await watcher.waitFor((m) => m.topic === `homeassistant/switch/${NODE_ID}/plug_power/config`, 10_000, "plug power switch")).text);
    expect(power).toMatchObject({ command_topic: `${PREFIX}/plug/power/set`, device: { model: "mqtt device" } });
  });

  it("removes a removed device's entity with an empty retained config, and its retained state and availability", async () => {
    await watcher.waitFor((m) => m.topic === `homeassistant/sensor/${NODE_ID}/gone_temperature/config` && m.text === "", 10_000, "stale entity cleared");
    await watcher.waitFor((m) => m.topic === `${PREFIX}/gone/temperature` && m.text === "", 10_000, "stale state cleared");
    await watcher.waitFor((m) => m.topic === `${PREFIX}/gone/availability` && m.text === "", 10_000, "stale availability cleared");
    expect(mosquittoSubRetained(broker.port, `homeassistant/sensor/${NODE_ID}/gone_temperature/config`, 1)).toBeUndefined();
    expect(mosquittoSubRetained(broker.port, `${PREFIX}/gone/temperature`, 1)).toBeUndefined();
    expect(mosquittoSubRetained(broker.port, `${PREFIX}/gone/availability`, 1)).toBeUndefined();
    // Current entities are untouched.
    expect(mosquittoSubRetained(broker.port, `homeassistant/sensor/${NODE_ID}/g_temperature/config`)).toMatch(/unique_id/);
  });

  it("republishes discovery when Home Assistant says online", async () => {
    const mark = Date.now();
    mosquittoPub(broker.port, "homeassistant/status", "online");
    const again = await watcher.waitFor((m) => m.at >= mark && m.topic === `homeassistant/sensor/${NODE_ID}/g_temperature/config`, 10_000, "republished config");
    expect(JSON.parse(again.text).unique_id).toBe("xmpp-iot_testpi_g_temperature");
  });

  it("brings a Tasmota device into XMPP pubsub and sends its commands to cmnd/", async () => {
    const tasmota = await observe(broker.url, []);
    try {
      await tasmota.publish("tele/plug/LWT", "Online", true);
      await tasmota.publish("tele/plug/SENSOR", JSON.stringify({ Time: "2026-11-25T04:00:00", ENERGY: { Total: 1.5, Power: 40, Voltage: 230 }, TempUnit: "C" }));
      await watcher.waitFor((m) => m.topic === `${PREFIX}/plug/ENERGY.Power`, 10_000, "plug power over MQTT");
      // Once the node exists, an XMPP subscriber sees the next message.
      await eventually(() => bed.logs.some((l) => l.includes('"pubsub node ready"') && l.includes('"node":"sensors/plug/ENERGY.Power"')), "the plug's node created", 20_000);
      const subscriber = runPython("slixmpp_subscriber.py", [
        "--jid", "bob@localhost", "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
        "--node", "sensors/plug/ENERGY.Power", "--timeout", "30", "--no-tls",
      ], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
      try {
        const ready = await subscriber.waitFor((l) => "subscribed" in l, 20_000);
        expect(ready["subscribed"]).toEqual(["sensors/plug/ENERGY.Power"]);
        await tasmota.publish("tele/plug/SENSOR", JSON.stringify({ Time: "2026-11-25T04:05:00", ENERGY: { Total: 1.6, Power: 123.4, Voltage: 231 }, TempUnit: "C" }));
        const item = await subscriber.waitFor((l) => l["v"] === 123.4, 10_000);
        expect(item).toMatchObject({ node: "sensors/plug/ENERGY.Power", bn: "agent@localhost/plug/", n: "ENERGY.Power", u: "W" });
      } finally {
        subscriber.kill();
        await subscriber.exited;
      }
      const device = bed.agent.devices.get("plug");
      expect(device?.health.state).toBe("ok");
      expect(device?.channels).toEqual(expect.arrayContaining(["ENERGY.Power", "ENERGY.Total", "ENERGY.Voltage", "power"]));

      // set through the one registry: published to the device's command topic; its stat topic reads back.
      const result = await bed.agent.commands.execute("set", { device: "plug", channel: "power", value: "on" }, { role: "admin", via: "cli" });
      expect(result.status).toBe("ok");
      const command = await watcher.waitFor((m) => m.topic === "cmnd/plug/POWER", 5000, "cmnd/plug/POWER");
      expect(command.text).toBe("ON");
      await tasmota.publish("stat/plug/POWER", "ON");
      await watcher.waitFor((m) => m.topic === `${PREFIX}/plug/power` && records(m.text)[0]?.vb === true, 10_000, "power state");

      // The device's own LWT marks it failing in presence/status, and unavailable over MQTT.
      expect(mosquittoSubRetained(broker.port, `${PREFIX}/plug/availability`)).toBe("online");
      const lwtAt = Date.now();
      await tasmota.publish("tele/plug/LWT", "Offline", true);
      await eventually(() => bed.agent.devices.get("plug")?.health.state, "the plug failing", 5000, { until: (state) => state === "failing" });
      expect(bed.agent.devices.get("plug")?.health.reason).toMatch(/tele\/plug\/LWT says Offline/);
      await watcher.waitFor((m) => m.topic === `${PREFIX}/plug/availability` && m.text === "offline" && m.at >= lwtAt, 5000, "plug availability offline");
      await tasmota.publish("tele/plug/LWT", "Online", true);
      await eventually(() => bed.agent.devices.get("plug")?.health.state, "the plug ok again", 5000, { until: (state) => state === "ok" });
      await watcher.waitFor((m) => m.topic === `${PREFIX}/plug/availability` && m.text === "online" && m.at >= lwtAt, 5000, "plug availability online");

      // Garbage is counted, never fatal.
      await tasmota.publish("tele/plug/SENSOR", "{not json");
      await eventually(() => bed.agent.devices.get("plug")?.stats["garbage"] ?? 0, "a garbage line counted", 5000, { until: (n) => n >= 1 });
      expect(bed.agent.devices.get("plug")?.health.state).toBe("ok");
    } finally {
      await tasmota.close();
    }
  });
});

