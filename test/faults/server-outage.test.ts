import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatStatus } from "../../src/status/status.js";
import { send } from "../drivers/pty.js";
import { fetchItems, type FaultAgent, type RestartableProsody, startFaultBed, type FaultBed, printLogOnFailure } from "./bed.js";
import { eventually } from "../harness/wait.js";

const OUTAGE_MS = 10_000;
const LINE_EVERY_MS = 100;

/**
 * (a) Prosody is stopped for 10 s while a serial device (a real socat PTY, the `serial` driver,
 * JSON lines) keeps producing. After Prosody is back on the same port and data directory, every
 * reading is stored on its node, in the order the device sent it.
 */
describe("fault: the XMPP server down for 10 s while a serial device produces", () => {
  let prosody: RestartableProsody;
  let bed: FaultAgent;
  let fault: FaultBed;

  beforeAll(async () => {
    fault = await startFaultBed({ serial: true }, ({ ptyPath }) => ({
      pubsub: { maxItems: 1000 },
      devices: [{ id: "meter", driver: "serial", path: ptyPath, format: "json", reconnectMinMs: 50, reconnectMaxMs: 200,
        channels: { t: { unit: "Cel" }, h: { unit: "%RH" } } }],
    }));
    ({ prosody, bed } = fault);
  }, 60_000);

  afterAll(async () => { await fault?.stop(); }, 30_000);

  const pubsub = () => bed.agent.sinks.find((s) => s.name === "pubsub")!.status();

  it("delivers every reading after the server returns, in order per node", async () => {
    printLogOnFailure(bed.logs);
    const device = await fault.serialDevice();
    let sent = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        sent++;
        await send(device, `{"t": ${sent}, "h": ${1000 + sent}}\n`);
        await sleep(LINE_EVERY_MS);
      }
    })();

    await sleep(2000);
    await prosody.stop();
    const stoppedAt = Date.now();
    await eventually(() => !bed.agent.connection.isOnline(), "the agent sees the server gone", 5000);
    await sleep(OUTAGE_MS - (Date.now() - stoppedAt));
    const queuedDuringOutage = pubsub().pending;
    const oldestAgeS = pubsub().oldestPendingAgeS ?? 0;
    // What `status` (chat, ad-hoc, CLI) says meanwhile: depth, age of the oldest, drops, last ack.
    const statusText = formatStatus(bed.agent.status());
    await prosody.start();
    await sleep(2000);
    writing = false;
    await writer;

    await eventually(() => bed.recorder.readings.filter((r) => r.channel === "t").length === sent, "every line read by the driver", 5000);
    await eventually(() => pubsub().pending === 0, "outbox drained", 30_000);
    const status = pubsub();
    const stored = {
      t: await fetchItems(prosody.current.service, "sensors/meter/t"),
      h: await fetchItems(prosody.current.service, "sensors/meter/h"),
    };
    const produced = { t: bed.recorder.readings.filter((r) => r.channel === "t"), h: bed.recorder.readings.filter((r) => r.channel === "h") };
    console.log(statusText);
    console.log(JSON.stringify({ linesSent: sent, queuedDuringOutage, oldestAgeS, storedT: stored.t.length, storedH: stored.h.length, status }));

    expect(statusText).toMatch(new RegExp(`^pubsub: disconnected, ${queuedDuringOutage} pending, oldest (9|10|11)s, \\d+ delivered, 0 dropped, last ack (9|10|11)s ago$`, "m"));
    expect(sent).toBeGreaterThan(100);
    expect(queuedDuringOutage).toBeGreaterThan(2 * 80); // two channels, ~10 lines a second, 10 s
    expect(oldestAgeS).toBeGreaterThan(8);
    expect(produced.t.map((r) => r.value)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    for (const channel of ["t", "h"] as const) {
      // XEP-0060 section 6.5: Prosody returns a node's items in publish order.
      expect(stored[channel].map((i) => i.id)).toEqual(produced[channel].map((r) => r.id));
      expect(stored[channel].map((i) => i.value)).toEqual(produced[channel].map((r) => r.value));
    }
    expect(status).toMatchObject({ pending: 0, dropped: 0, rejected: 0, delivered: 2 * sent });
  }, 90_000);
});
