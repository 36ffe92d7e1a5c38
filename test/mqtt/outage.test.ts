import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBed, type TestBed } from "../harness/agent.js";
import { startProxy, type FaultProxy } from "../harness/proxy.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { observe, type Observer } from "./observer.js";
import { eventually } from "../harness/wait.js";

const PREFIX = "xmpp-iot/outpi";
const BOUND = 5;

interface Record1 { n: string; v: number; t: number; id: string }

describe("MQTT link outage: bounded queue, backoff, resend after reconnect", () => {
  let broker: Mosquitto;
  let proxy: FaultProxy;
  let bed: TestBed;
  let watcher: Observer;

  beforeAll(async () => {
    broker = await startMosquitto();
    proxy = await startProxy(broker.port);
    watcher = await observe(broker.url, [`${PREFIX}/g/n`]);
    bed = await startTestBed({
      name: "outpi",
      devices: [{ id: "g", driver: "simulated", intervalMs: 100, channels: { n: { unit: "Cel", waveform: "sine", min: 0, max: 100, periodMs: 4000 } } }],
      mqtt: { url: `mqtt://127.0.0.1:${proxy.port}`, maxPending: BOUND, reconnectMinMs: 200, reconnectMaxMs: 800 },
    });
  }, 60_000);

  afterAll(async () => {
    await watcher?.close();
    await bed?.stop();
    await proxy?.close();
    await broker?.remove();
  });

  const mqttSink = () => bed.agent.status().sinks.find((s) => s.name === "mqtt")!;

  it("keeps the newest readings up to the bound while the broker is unreachable and sends them after reconnect", async () => {
    await watcher.waitFor(() => true, 10_000, "a first reading");
    const cutAt = Date.now();
    proxy.block();
    await new Promise((r) => setTimeout(r, 2500));
    const during = mqttSink();
    expect(during.connected).toBe(false);
    expect(during.pending).toBe(BOUND);
    expect(during.dropped).toBeGreaterThanOrEqual(15);

    const retries = bed.logs.filter((l) => l.includes("MQTT disconnected; retrying")).map((l) => JSON.parse(l) as { retryInMs: number; attempt: number });
    expect(retries.length).toBeGreaterThanOrEqual(3);
    // Exponential with equal jitter between reconnectMinMs/2 and reconnectMaxMs.
    for (const r of retries) { expect(r.retryInMs).toBeGreaterThanOrEqual(100); expect(r.retryInMs).toBeLessThanOrEqual(800); }
    expect(retries.map((r) => r.attempt)).toEqual(retries.map((_, i) => i + 1));

    const restoredAt = Date.now();
    proxy.unblock();
    const connectedLog = () => bed.logs.map((l) => JSON.parse(l) as { msg: string; time: number }).filter((l) => l.msg === "MQTT connected" && l.time >= restoredAt)[0];
    await eventually(() => connectedLog() !== undefined, "MQTT connected logged after the link is restored", 5000);
    // Everything stamped before the reconnect was queued; the bound kept the newest BOUND of them.
    const connectedAt = connectedLog()!.time;
    const queuedAndResent = () => watcher.seen.filter((m) => m.at >= restoredAt).map((m) => (JSON.parse(m.text) as Record1[])[0]!).filter((r) => r.t * 1000 < connectedAt);
    await eventually(() => queuedAndResent().length, `${BOUND} queued readings resent`, 10_000, { until: (n) => n >= BOUND }).catch((e: Error) => {
      throw new Error(`${e.message}: sink ${JSON.stringify(mqttSink())}; seen after ${JSON.stringify(watcher.seen.filter((m) => m.at >= restoredAt).slice(0, 8))}`);
    });
    await new Promise((r) => setTimeout(r, 300));
    const resent = queuedAndResent();
    expect(resent).toHaveLength(BOUND);
    for (const r of resent) expect(r.t * 1000).toBeGreaterThan(cutAt);
    expect(resent.map((r) => r.t)).toEqual([...resent.map((r) => r.t)].sort((a, b) => a - b));
    expect(new Set(resent.map((r) => r.id)).size).toBe(BOUND);
    // Only the newest survive the bound: BOUND readings at 100 ms cover the last ~0.5 s.
    for (const r of resent) expect(connectedAt - r.t * 1000).toBeLessThan(1000);
    await eventually(() => mqttSink(), "the MQTT sink connected and drained", 5000, { until: (sink) => sink.connected && sink.pending === 0 });
    console.log(`outage ${restoredAt - cutAt} ms: dropped ${mqttSink().dropped}, resent ${resent.length}, retries logged ${retries.length} (${retries.map((r) => r.retryInMs).join(", ")} ms)`);
  });
});

describe("MQTT broker unreachable when the agent starts", () => {
  let broker: Mosquitto;
  let proxy: FaultProxy;
  let bed: TestBed | undefined;

  beforeAll(async () => {
    broker = await startMosquitto();
    proxy = await startProxy(broker.port);
  });
  afterAll(async () => {
    await bed?.stop();
    await proxy?.close();
    await broker?.remove();
  });

  it("starts anyway (XMPP side and devices), queues, and connects once the broker is reachable", async () => {
    proxy.block();
    const startedAt = Date.now();
    bed = await startTestBed({
      name: "latepi",
      devices: [{ id: "g", driver: "simulated", intervalMs: 200, channels: { n: { unit: "Cel", waveform: "constant", value: 7 } } }],
      mqtt: { url: `mqtt://127.0.0.1:${proxy.port}`, reconnectMinMs: 200, reconnectMaxMs: 400 },
    });
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    expect(bed.agent.devices.get("g")?.health.state).toBe("ok");
    await eventually(() => bed!.logs.some((l) => l.includes("MQTT broker not reachable yet")), "the broker logged as not reachable yet", 5000);
    const before = bed.agent.status().sinks.find((s) => s.name === "mqtt")!;
    expect(before.connected).toBe(false);
    expect(before.pending).toBeGreaterThan(0);
    const watcher = await observe(broker.url, ["xmpp-iot/latepi/#"]);
    try {
      proxy.unblock();
      await watcher.waitFor((m) => m.topic === "xmpp-iot/latepi/status" && m.text === "online", 10_000, "online after the late connect");
      const reading = await watcher.waitFor((m) => m.topic === "xmpp-iot/latepi/g/n", 10_000, "a reading");
      expect(JSON.parse(reading.text)[0]).toMatchObject({ n: "n", u: "Cel", v: 7 });
    } finally {
      await watcher.close();
    }
  });
});
