import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBed, type TestBed } from "../harness/agent.js";
import { startMosquitto, type Mosquitto } from "./mosquitto.js";
import { observe, type Observer } from "./observer.js";
import { eventually } from "../harness/wait.js";

const PREFIX = "xmpp-iot/floodpi";

/**
 * A flood of refused `/set` messages on a real Mosquitto is counted in full but logged at a
 * bounded rate, like the chat front ends: 10,000 bad values give a handful of warn lines, and the
 * next line that passes says how many were left out.
 */
describe("MQTT /set refusals under a flood", () => {
  let broker: Mosquitto;
  let bed: TestBed;
  let publisher: Observer;

  beforeAll(async () => {
    broker = await startMosquitto();
    bed = await startTestBed({
      name: "floodpi",
      devices: [{ id: "g", driver: "simulated", intervalMs: 1000, channels: { setpoint: { unit: "Cel", writable: true, value: 20, waveform: "constant" } } }],
      mqtt: { url: broker.url },
    });
    publisher = await observe(broker.url, []);
  }, 60_000);

  afterAll(async () => {
    await publisher?.close();
    await bed?.stop();
    await broker?.remove();
  });

  const refusedLines = () => bed.logs.filter((l) => l.includes('"msg":"MQTT set refused"')).map((l) => JSON.parse(l) as { unloggedSinceLast?: number; code: string });

  it("10,000 refused sets: a few warn lines, every refusal counted in the next line that passes", async () => {
    await eventually(() => bed.logs.some((l) => l.includes("\"msg\":\"MQTT connected\"")), "the MQTT bridge connected", 20_000);
    for (let i = 0; i < 10_000; i++) await publisher.publish(`${PREFIX}/g/setpoint/set`, "warm");
    await publisher.publish(`${PREFIX}/g/setpoint/set`, "30"); // a good one after the flood
    await eventually(() => bed.agent.pipeline.latest("g", "setpoint")?.value === 30, "the good set applied", 60_000);
    const during = refusedLines();
    console.log(JSON.stringify({ sent: 10_000, warnLines: during.length }));
    expect(during.length).toBeGreaterThanOrEqual(1);
    expect(during.length).toBeLessThanOrEqual(10);
    expect(during[0]!.code).toBe("BAD_INPUT");

    // The budget refills at 6 lines a minute: the next refusal after that says what was left out.
    await eventually(async () => {
      await publisher.publish(`${PREFIX}/g/setpoint/set`, "still warm");
      await new Promise((resolve) => setTimeout(resolve, 500));
      return refusedLines().length > during.length;
    }, "a refusal logged again once the budget refilled", 40_000);
    const next = refusedLines()[during.length]!;
    const counted = during.length + (next.unloggedSinceLast ?? 0);
    console.log(JSON.stringify({ logged: during.length, unloggedSinceLast: next.unloggedSinceLast }));
    // Every refused message of the flood is in one of the two (plus the probes sent while waiting).
    expect(counted).toBeGreaterThanOrEqual(10_000);
    expect(counted).toBeLessThan(10_000 + 100);
  }, 120_000);
});
