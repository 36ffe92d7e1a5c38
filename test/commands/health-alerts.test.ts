import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMosquitto, type Mosquitto } from "../mqtt/mosquitto.js";
import { observe, type Observer } from "../mqtt/observer.js";
import { startSlixClient, type ClientReply, type SlixClient } from "./client.js";
import { startAccounts, startAgent, USERS, type RunningAgent } from "./fixture.js";
import type { ProsodyServer } from "../../src/prosody/server.js";

type Message = { type: string; from: string; body: string };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Health alerts end to end: a BME280 on a fake /sys/bus/iio tree (the real iio driver reads it)
// disappears and comes back; the agent tells alice by chat, the room, and MQTT <prefix>/alerts,
// through a real Prosody, Mosquitto and slixmpp. No I2C hardware is involved.
describe("alerts on device health and stale channels", () => {
  let prosody: ProsodyServer;
  let broker: Mosquitto;
  let agent: RunningAgent;
  let alice!: SlixClient;
  let mqtt!: Observer;
  let root = "";
  let room = "";
  const messages = (r: ClientReply): Message[] => r["messages"] as Message[];
  const bme280 = (entry: string): void => {
    mkdirSync(join(root, entry), { recursive: true });
    for (const [file, text] of Object.entries({ name: "bme280\n", in_temp_input: "21500\n", in_pressure_input: "101.3\n" })) {
      writeFileSync(join(root, entry, `${file}.tmp`), text);
      renameSync(join(root, entry, `${file}.tmp`), join(root, entry, file));
    }
  };
  const failingAlerts = () => mqtt.seen.filter((m) => m.topic === "xmpp-iot/greenhouse-pi/alerts").map((m) => JSON.parse(m.text) as Record<string, unknown>);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "xmpp-iot-iio-alerts-"));
    bme280("iio:device0");
    prosody = await startAccounts();
    broker = await startMosquitto();
    mqtt = await observe(broker.url, ["xmpp-iot/greenhouse-pi/alerts"]);
    room = `ops@${prosody.mucJid}`;
    agent = await startAgent(prosody, {
      devices: [{ id: "air", driver: "iio", deviceName: "bme280", root, intervalMs: 200, channels: { temp: { maxIntervalMs: 500 } } }],
      mqtt: { url: broker.url },
      alerts: [
        { when: "air failing", for: "2s", notify: ["alice@localhost"], room },
        { when: "air/temp stale 4s", name: "air temperature silent", notify: ["alice@localhost"] },
      ],
    });
    alice = await startSlixClient(prosody.port, "alice@localhost/phone", USERS.alice);
    await alice.call({ op: "join", room, nick: "alice" });
  }, 60_000);

  afterAll(async () => {
    await alice?.stop();
    await mqtt?.close();
    await agent?.stop();
    await broker?.remove();
    await prosody?.stop();
    prosody?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it("a device that flaps for less than `for` gives no alert", async () => {
    for (let i = 0; i < 200 && !agent.agent.pipeline.latest("air", "temp"); i++) await sleep(50);
    expect(agent.agent.pipeline.latest("air", "temp")?.value).toBe(21.5);
    rmSync(join(root, "iio:device0"), { recursive: true });
    await sleep(600);
    bme280("iio:device0");
    expect(messages(await alice.call({ op: "wait_messages", contains: "ALERT", timeout: 4 }))).toEqual([]);
    expect(failingAlerts()).toEqual([]);
  });

  it("a device gone for `for` alerts in chat, the room and MQTT with the overlay hint; a silent channel too; both clear once it is back", async () => {
    rmSync(join(root, "iio:device0"), { recursive: true });
    const fired = messages(await alice.call({ op: "wait_messages", contains: "ALERT air failing", count: 2, timeout: 20 }));
    expect(fired.map((m) => [m.type, m.body])).toEqual(expect.arrayContaining([
      ["chat", expect.stringMatching(/^⚠ ALERT air failing: air is failing for 2s: no IIO device named "bme280" .*dtoverlay=i2c-sensor,bme280/)],
      ["groupchat", expect.stringMatching(/^⚠ ALERT air failing: air is failing for 2s: /)],
    ]));
    const stale = messages(await alice.call({ op: "wait_messages", type: "chat", contains: "ALERT air temperature silent", timeout: 20 }));
    expect(stale[0]?.body).toMatch(/^⚠ ALERT air temperature silent: no reading from air\/temp for \d+s \(last 21\.5°C \d+s ago\)$/);

    // Back under a new N, as after the overlay loads at the next boot.
    bme280("iio:device3");
    const staleOk = messages(await alice.call({ op: "wait_messages", type: "chat", contains: "OK air temperature silent", timeout: 20 }));
    expect(staleOk[0]?.body).toMatch(/^✅ OK air temperature silent: air\/temp reports again: 21\.5°C \(silent for \d+s\)$/);
    const cleared = messages(await alice.call({ op: "wait_messages", contains: "OK air failing", count: 2, timeout: 20 }));
    expect(cleared.map((m) => [m.type, m.body])).toEqual(expect.arrayContaining([
      ["chat", expect.stringMatching(/^✅ OK air failing: air is ok again \(failing lasted \d+s\)$/)],
      ["groupchat", expect.stringMatching(/^✅ OK air failing: air is ok again/)],
    ]));
    await mqtt.waitFor((m) => m.text.includes('"state":"ok"') && m.text.includes('"kind":"failing"'), 10_000, "MQTT all-clear");
    expect(failingAlerts().map((e) => [e["kind"], e["state"], e["device"]])).toEqual([
      ["failing", "alert", "air"], ["stale", "alert", "air"], ["stale", "ok", "air"], ["failing", "ok", "air"],
    ]);
    expect(failingAlerts()[0]).toMatchObject({ rule: "air failing", message: expect.stringMatching(/^⚠ ALERT air failing/), time: expect.any(Number) });
    expect(agent.agent.status().sinks.find((s) => s.name === "alerts")).toMatchObject({ pending: 0, dropped: 0 });
  }, 90_000);
});
