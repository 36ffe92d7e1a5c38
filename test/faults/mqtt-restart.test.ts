import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startMosquitto, type Mosquitto } from "../mqtt/mosquitto.js";
import { observe, type Observer } from "../mqtt/observer.js";
import { compare, type FaultAgent, startFaultBed, type FaultBed } from "./bed.js";
import { startProxy, type FaultProxy } from "../harness/proxy.js";
import { eventually } from "../harness/wait.js";

const PREFIX = "xmpp-iot/mqpi";
const OUTAGE_MS = 5000;

/**
 * (d) Mosquitto is stopped and started again on the same port while a simulated device produces.
 * The agent reaches the broker through a TCP proxy that stays closed until the observer (mqtt.js,
 * a plain subscriber) is back, so the observer cannot miss what the agent resends: every reading
 * produced must arrive once the broker is back, in order per topic.
 */
describe("fault: Mosquitto restarted", () => {
  let broker: Mosquitto;
  let proxy: FaultProxy;
  let observer: Observer;
  let bed: FaultAgent;
  let fault: FaultBed | undefined;

  beforeAll(async () => {
    broker = await startMosquitto();
    proxy = await startProxy(broker.port);
    observer = await observe(broker.url, [`${PREFIX}/g/+`]);
    fault = await startFaultBed({}, () => ({
      name: "mqpi",
      mqtt: { url: `mqtt://127.0.0.1:${proxy.port}`, reconnectMinMs: 200, reconnectMaxMs: 800 },
      devices: [{ id: "g", driver: "simulated", intervalMs: 50, channels: {
        n: { unit: "Cel", waveform: "randomWalk", min: 0, max: 1000 }, m: { unit: "%RH", waveform: "randomWalk", min: 0, max: 1000 } } }],
    }));
    ({ bed } = fault);
  }, 60_000);

  afterAll(async () => {
    await fault?.stop();
    await observer?.close();
    await proxy?.close();
    await broker?.remove();
  }, 30_000);

  const mqtt = () => bed.agent.sinks.find((s) => s.name === "mqtt")!.status();

  it("sends every reading produced while the broker was down once it is back", async () => {
    onTestFailed(() => console.log(bed.logs.filter((l) => l.includes("mqtt")).slice(-30).join("\n")));
    await eventually(() => mqtt().delivered >= 20, "first MQTT readings acknowledged", 20_000);

    await broker.stop();
    proxy.block();
    await eventually(() => !mqtt().connected, "the agent sees the broker gone", 5000);
    await sleep(OUTAGE_MS);
    const queued = mqtt().pending;
    broker = await startMosquitto({ port: broker.port });
    await eventually(() => observer.client.connected, "the observer reconnected", 10_000);
    await sleep(1000); // mqtt.js resubscribes on reconnect
    proxy.unblock();

    await eventually(() => mqtt().connected, "the agent reconnected", 10_000);
    await sleep(1000);
    await bed.agent.devices.stop();
    await eventually(() => mqtt().pending === 0, "MQTT outbox drained", 20_000);
    const status = mqtt();
    const received = () => observer.seen.filter((m) => !m.retain && /\/g\/[nm]$/.test(m.topic)).map((m) => {
      const [record] = JSON.parse(m.text) as Array<{ id: string }>;
      return { node: `sensors/g/${m.topic.split("/").pop()}`, id: record!.id };
    });
    const produced = bed.recorder.readings;
    await eventually(() => compare(produced, received()).missing.length === 0, "every reading at the observer", 10_000).catch(() => undefined);
    const result = compare(produced, received());
    console.log(JSON.stringify({ produced: produced.length, queuedWhileDown: queued, compared: result.compared, missing: result.missing.length,
      duplicates: result.duplicates, outOfOrder: result.outOfOrder, status }));

    expect(queued).toBeGreaterThan(100); // two channels at 20/s for 5 s
    expect(result.compared).toBeGreaterThan(queued);
    expect(result.missing).toEqual([]);
    expect(result.outOfOrder).toEqual([]);
    expect(status).toMatchObject({ pending: 0, dropped: 0, rejected: 0, durable: true });
    expect(status.delivered).toBe(produced.length);
  }, 90_000);
});
