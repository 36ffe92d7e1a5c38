import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { isIotError } from "../../src/errors/catalog.js";
import { startTestBed, type TestBed } from "../harness/agent.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { mosquittoPub, observe, type Observer } from "./observer.js";

const PREFIX = "site/ro";

describe("MQTT bridge with readOnly (over MQTT 5): the agent itself refuses writes over MQTT", () => {
  let broker: Mosquitto;
  let bed: TestBed;
  let watcher: Observer;

  beforeAll(async () => {
    broker = await startMosquitto();
    watcher = await observe(broker.url, [`${PREFIX}/#`, "ha/#"]);
    bed = await startTestBed({
      name: "ro",
      devices: [{ id: "g", driver: "simulated", intervalMs: 200, channels: { lamp: { type: "boolean", writable: true, value: false } } }],
      mqtt: { url: broker.url, topicPrefix: PREFIX, readOnly: true, qos: 0, protocolVersion: 5, homeAssistant: { discoveryPrefix: "ha" } },
    });
  }, 60_000);

  afterAll(async () => {
    await watcher?.close();
    await bed?.stop();
    await broker?.remove();
  });

  it("ignores /set, refuses set requests with FORBIDDEN and still answers reads", async () => {
    await watcher.waitFor((m) => m.topic === `${PREFIX}/g/lamp`, 10_000, "a lamp reading under the custom prefix");
    const mark = Date.now();
    mosquittoPub(broker.port, `${PREFIX}/g/lamp/set`, "ON");
    mosquittoPub(broker.port, `${PREFIX}/command/set`, JSON.stringify({ id: 1, device: "g", channel: "lamp", value: "on" }));
    const refused = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/set/response`, 10_000, "set response")).text);
    expect(refused).toEqual({ id: 1, status: "error", code: "FORBIDDEN", error: "set is for admins only" });
    mosquittoPub(broker.port, `${PREFIX}/command/read`, JSON.stringify({ id: 2, device: "g", channel: "lamp" }));
    const read = JSON.parse((await watcher.waitFor((m) => m.topic === `${PREFIX}/command/read/response`, 10_000, "read response")).text);
    expect(read).toMatchObject({ id: 2, status: "ok" });
    await new Promise((r) => setTimeout(r, 800));
    const lamps = watcher.seen.filter((m) => m.topic === `${PREFIX}/g/lamp` && m.at >= mark);
    expect(lamps.length).toBeGreaterThan(0);
    for (const m of lamps) expect(m.text).toContain("\"vb\":false");
    expect(bed.agent.pipeline.latest("g", "lamp")?.value).toBe(false);
  });

  it("answers an MQTT 5 request on its response topic with its correlation data", async () => {
    const requester = await observe(broker.url, ["replies/me"], { protocolVersion: 5 });
    try {
      await requester.client.publishAsync(`${PREFIX}/command/read`, JSON.stringify({ id: "v5", device: "g", channel: "lamp" }), {
        qos: 1, properties: { responseTopic: "replies/me", correlationData: Buffer.from("corr-42") },
      });
      const reply = await requester.waitFor((m) => m.topic === "replies/me", 10_000, "the MQTT 5 reply");
      expect(reply.correlation).toBe("corr-42");
      expect(JSON.parse(reply.text)).toMatchObject({ id: "v5", status: "ok", data: { device: "g" } });
    } finally {
      await requester.close();
    }
  });

  it("announces a writable channel as a binary_sensor without a command topic, under the custom discovery prefix", async () => {
    const config = JSON.parse((await watcher.waitFor((m) => m.topic === "ha/binary_sensor/xmpp-iot_ro/g_lamp/config", 10_000, "lamp discovery")).text);
    expect(config).not.toHaveProperty("command_topic");
    expect(config).toMatchObject({ state_topic: `${PREFIX}/g/lamp`, availability: [{ topic: `${PREFIX}/status` }, { topic: `${PREFIX}/g/availability` }], qos: 0 });
    expect(watcher.seen.some((m) => m.topic.startsWith("ha/switch/"))).toBe(false);
  });
});

describe("mqtt config errors", () => {
  const xmpp = { jid: "agent@localhost", password: "x" };
  const details = (raw: unknown): readonly string[] => {
    try { parseConfig(raw, {}); } catch (error) { if (isIotError(error)) return error.details; throw error; }
    return [];
  };

  it("names the field of each problem", () => {
    expect(details({ xmpp, devices: [{ id: "p", driver: "mqtt", subscriptions: [{ topic: "a/b", channel: "c" }] }] }))
      .toEqual(["devices[0].driver: the mqtt driver needs the top-level mqtt section (the broker to subscribe to)"]);
    expect(details({ xmpp, mqtt: { url: "http://x" } })[0]).toMatch(/^mqtt\.url: an URL like mqtt:/);
    for (const topicPrefix of ["a/+/b", "a/#", "#", "$SYS/x", "/abs", "trail/"]) {
      expect(details({ xmpp, mqtt: { url: "mqtt://x", topicPrefix } })[0], topicPrefix).toMatch(/^mqtt\.topicPrefix: a topic without/);
    }
    expect(details({ xmpp, mqtt: { url: "mqtt://x", topicPrefix: "site/greenhouse-pi" } })).toEqual([]);
    expect(details({ xmpp, mqtt: { url: "mqtt://x", qos: 3 } })[0]).toMatch(/^mqtt\.qos/);
    expect(details({ xmpp, mqtt: { url: "mqtt://agent:s3cret@broker.lan" } })).toEqual(["mqtt.url: no credentials in the URL; use mqtt.username and mqtt.passwordFile (or XMPP_IOT_MQTT_PASSWORD)"]);
    expect(details({ xmpp, mqtt: { url: "mqtt://x", retained: true } })).toEqual(['mqtt.retained: unknown key; did you mean "retain"?']);
    expect(details({ xmpp, mqtt: { url: "mqtt://x" }, devices: [{ id: "command", driver: "simulated", channels: {} }] }))
      .toEqual(["devices[0].id: \"command\" is reserved by the MQTT command topics; choose another id"]);
    expect(details({ xmpp, mqtt: { url: "mqtt://x" }, devices: [{ id: "p", driver: "mqtt", subscriptions: [{ topic: "tele/#/x", format: "json" }] }] })[0])
      .toMatch(/^devices\[0\]\.subscriptions\[0\]\.topic: '#' must be/);
  });

  it("defaults the topic prefix to xmpp-iot/<name>, QoS 1, retained", () => {
    const { config } = parseConfig({ xmpp, name: "pi", mqtt: { url: "mqtt://127.0.0.1:1883" } }, {});
    expect(config.mqtt).toMatchObject({ qos: 1, retain: true, readOnly: false });
    expect(config.mqtt?.topicPrefix).toBeUndefined();
  });
});
