import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replayDir } from "../../src/outbox/replay.js";
import { createPtyPair, send, type PtyPair } from "../drivers/pty.js";
import { fetchItems, startRestartableProsody, type RestartableProsody } from "./bed.js";
import { eventually } from "../harness/wait.js";
import { prepareAgentProcesses, type AgentProcesses } from "../harness/agent-process.js";
import { agentLogin } from "../harness/agent.js";

/**
 * (c) The compiled agent (`node dist/src/cli.js run`) is SIGKILLed while the server is down and
 * readings wait in its outbox; after a restart every reading is on its node, once, in order.
 * The device is a socat PTY the test writes numbered JSON lines to, so production is exact.
 */
describe("fault: the agent SIGKILLed with readings queued", () => {
  let prosody: RestartableProsody;
  let pty: PtyPair;
  let agents: AgentProcesses;

  beforeAll(async () => {
    prosody = await startRestartableProsody();
    pty = await createPtyPair();
    agents = prepareAgentProcesses("xmpp-iot-crash-", (dir) => ({
      name: "crashpi",
      xmpp: { ...agentLogin(prosody.current.service), reconnectMinMs: 200, reconnectMaxMs: 1000 },
      pubsub: { service: "pubsub.localhost", maxItems: 1000 },
      acl: { readers: ["bob@localhost"] },
      devices: [{ id: "meter", driver: "serial", path: pty.a, format: "json", reconnectMinMs: 50, reconnectMaxMs: 200,
        channels: { t: { unit: "Cel" }, h: { unit: "%RH" } } }],
      outbox: { path: join(dir, "outbox") },
      log: { level: "info" },
    }));
  }, 60_000);

  afterAll(async () => {
    await agents?.stop();
    await pty?.close();
    await prosody?.remove();
  }, 30_000);

  const items = async (channel: string) => fetchItems(prosody.current.service, `sensors/meter/${channel}`);
  // While waiting, a node the agent has not created yet (item-not-found) counts as empty.
  const itemsSoFar = async (channel: string) => items(channel).catch(() => []);
  const lines = async (from: number, to: number): Promise<void> => {
    const device = await pty.device();
    for (let n = from; n <= to; n++) { await send(device, `{"t": ${n}, "h": ${1000 + n}}\n`); await sleep(20); }
  };

  it("delivers after the restart what was queued at the SIGKILL", async () => {
    const first = agents.spawn();
    await first.waitForOutput(/"msg":"agent started"/, 20_000);
    await first.waitForOutput(/"device":"meter"[^\n]*"msg":"device ready"/, 20_000); // the serial port is open
    await lines(1, 20);
    await eventually(async () => (await itemsSoFar("t")).length === 20 && (await itemsSoFar("h")).length === 20, "first 20 lines on the nodes", 20_000);

    await prosody.stop();
    await first.waitForOutput(/xmpp connection lost/, 5000);
    await lines(21, 80);
    const onDisk = () => replayDir(join(agents.dir, "outbox", "pubsub")).entries.length;
    await eventually(() => onDisk() === 120, "the 60 lines (120 readings) in the outbox on disk", 10_000);

    first.child.kill("SIGKILL");
    await first.exited;
    expect(first.child.signalCode).toBe("SIGKILL");
    const survived = replayDir(join(agents.dir, "outbox", "pubsub"));
    expect(survived.entries.length).toBe(120);
    expect(survived.corrupt).toBe(0);

    await prosody.start();
    const second = agents.spawn();
    await second.waitForOutput(/"recovered":120/, 20_000);
    await second.waitForOutput(/"msg":"agent started"/, 20_000);
    await second.waitForOutput(/"device":"meter"[^\n]*"msg":"device ready"/, 20_000);
    await lines(81, 90);

    await eventually(async () => (await itemsSoFar("t")).length >= 90 && (await itemsSoFar("h")).length >= 90, "all 90 lines on the nodes", 30_000);
    const t = await items("t");
    const h = await items("h");
    console.log(JSON.stringify({ queuedAtKill: survived.entries.length, storedT: t.length, storedH: h.length }));
    expect(t.map((i) => i.value)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
    expect(h.map((i) => i.value)).toEqual(Array.from({ length: 90 }, (_, i) => 1001 + i));
    expect(new Set(t.map((i) => i.id)).size).toBe(90);
    await eventually(() => replayDir(join(agents.dir, "outbox", "pubsub")).entries.length === 0, "outbox empty on disk", 10_000);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 120_000);
});
