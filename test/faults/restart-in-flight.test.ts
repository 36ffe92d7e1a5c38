import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send } from "../drivers/pty.js";
import { fetchItems, type FaultAgent, type RestartableProsody, startFaultBed, type FaultBed, printLogOnFailure } from "./bed.js";
import { eventually } from "../harness/wait.js";

/**
 * Requests the dead server never answered must not hold up the new session. Prosody is frozen
 * (SIGSTOP) while a node creation (a new channel) and a publish are in flight, then killed and
 * started again on the same port and data. xmpp.js keeps such requests until their timeout (30 s
 * for a node creation): publishing used to stall that long. Now the session's end fails them.
 */
describe("fault: the server dies with a node creation and a publish in flight", () => {
  let prosody: RestartableProsody;
  let bed: FaultAgent;
  let fault: FaultBed;

  beforeAll(async () => {
    fault = await startFaultBed({ serial: true }, ({ ptyPath }) => ({
      devices: [{ id: "meter", driver: "serial", path: ptyPath, format: "json", channels: { a: { unit: "Cel" }, b: { unit: "Cel" } } }],
    }));
    ({ prosody, bed } = fault);
  }, 60_000);

  afterAll(async () => { await fault?.stop(); }, 30_000);

  const pubsub = () => bed.agent.sinks.find((s) => s.name === "pubsub")!.status();

  it("publishes again within seconds of the restart instead of waiting for the dead session's timeouts", async () => {
    printLogOnFailure(bed.logs);
    const device = await fault.serialDevice();
    await send(device, '{"a": 1}\n');
    await eventually(() => pubsub().delivered === 1 && pubsub().pending === 0, "the first reading delivered", 20_000);

    const pid = Number(readFileSync(join(prosody.dir, "prosody.pid"), "utf8").trim());
    process.kill(pid, "SIGSTOP");
    await send(device, '{"b": 1}\n'); // a new node: its creation goes out and is never answered
    await send(device, '{"a": 2}\n');
    await eventually(() => bed.agent.connection.pendingRequests >= 2, "requests in flight to the frozen server", 10_000);
    await sleep(1000);
    process.kill(pid, "SIGKILL");
    await prosody.stop();
    await eventually(() => !bed.agent.connection.isOnline(), "the agent sees the server gone", 10_000);

    await prosody.start();
    const restartedAt = Date.now();
    await eventually(() => pubsub().pending === 0, "both readings delivered", 40_000);
    const elapsedMs = Date.now() - restartedAt;
    const stored = { a: await fetchItems(prosody.current.service, "sensors/meter/a"), b: await fetchItems(prosody.current.service, "sensors/meter/b") };
    console.log(JSON.stringify({ drainedAfterRestartMs: elapsedMs, storedA: stored.a.map((i) => i.value), storedB: stored.b.map((i) => i.value) }));
    // The node creation's own timeout is 30 s: well below it, on a loaded 2-core machine.
    expect(elapsedMs).toBeLessThan(15_000);
    expect(stored.a.map((i) => i.value).sort()).toEqual([1, 2]);
    expect(stored.b.map((i) => i.value)).toEqual([1]);
  }, 90_000);
});
