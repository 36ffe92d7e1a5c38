import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { openOutbox } from "../../src/outbox/index.js";
import { formatStatus } from "../../src/status/status.js";
import { send } from "../drivers/pty.js";
import { startTestBed, type TestBed } from "../harness/agent.js";
import { fetchItems, removeDir, startFaultAgent, startRestartableProsody, type FaultAgent, type RestartableProsody, startFaultBed, type FaultBed } from "./bed.js";
import { eventually } from "../harness/wait.js";

const logsOf = (bed: FaultAgent, msg: string) => bed.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l["msg"]).startsWith(msg));
const pubsubOf = (bed: FaultAgent) => bed.agent.sinks.find((s) => s.name === "pubsub")!.status() as ReturnType<FaultAgent["agent"]["sinks"][number]["status"]> & { setAside: number; recovered: number; lastSetAside?: { id: string; reason: string } };

/**
 * Poison input on the publishing path, against a real Prosody 0.12. A reading that closes the
 * stream each time it is sent (here: a 300 kB string, over Prosody's 256 kB c2s_stanza_size_limit,
 * answered with the stream error policy-violation) must not stop the rest, and a control
 * character from a serial line must never reach the stream.
 */
describe("fault: poison readings on the pubsub path", () => {
  let prosody: RestartableProsody;
  let bed: FaultAgent;
  let fault: FaultBed;

  beforeAll(async () => {
    fault = await startFaultBed({ serial: true }, ({ ptyPath }) => ({
      xmpp: { reconnectMinMs: 200, reconnectMaxMs: 10_000 },
      pubsub: { maxItems: 100 },
      devices: [{ id: "meter", driver: "serial", path: ptyPath, format: "json" }],
    }));
    ({ prosody, bed } = fault);
  }, 60_000);

  afterAll(async () => { await fault?.stop(); }, 30_000);

  it("a control character from a serial line is refused as bad input and never closes the stream", async () => {
    onTestFailed(() => console.log(bed.logs.slice(-30).join("\n")));
    const device = await fault.serialDevice();
    const rejectedBefore = bed.agent.pipeline.stats().rejected;
    await send(device, '{"s": "a\\u0001b"}\n');
    await send(device, '{"s": "clean"}\n');
    await eventually(() => pubsubOf(bed).delivered >= 1 && pubsubOf(bed).pending === 0, "the clean reading delivered", 20_000);
    expect(bed.agent.pipeline.stats().rejected).toBe(rejectedBefore + 1);
    const rejected = logsOf(bed, "sample rejected");
    expect(rejected.map((l) => l["reason"])).toContain("contains U+0001, a control character XML cannot carry");
    expect((await fetchItems(prosody.current.service, "sensors/meter/s")).map((i) => i.value)).toEqual(["clean"]);
    expect(logsOf(bed, "xmpp connection lost")).toEqual([]);
  }, 60_000);

  it("a reading whose publish closes the stream is set aside after two deaths alone, the rest flows, and the reconnect backoff grows", async () => {
    onTestFailed(() => console.log(bed.logs.filter((l) => !l.includes('"part":"devices"')).slice(-60).join("\n").slice(-20_000)));
    // Both nodes exist first, so the big reading goes out in the same window as the others.
    const delivered = pubsubOf(bed).delivered;
    bed.agent.pipeline.process("gen", { channel: "big", value: "small" });
    bed.agent.pipeline.process("gen", { channel: "n", value: 0 });
    await eventually(() => pubsubOf(bed).delivered === delivered + 2, "both nodes created", 20_000);
    const before = pubsubOf(bed).delivered;
    const scheduledBefore = logsOf(bed, "xmpp reconnect scheduled").length;
    for (let i = 1; i <= 5; i++) bed.agent.pipeline.process("gen", { channel: "n", value: i });
    bed.agent.pipeline.process("gen", { channel: "big", value: "x".repeat(300_000) });
    for (let i = 6; i <= 10; i++) bed.agent.pipeline.process("gen", { channel: "n", value: i });

    await eventually(() => pubsubOf(bed).pending === 0 && bed.agent.connection.isOnline(), "everything delivered or set aside", 90_000);
    const status = pubsubOf(bed);
    const stored = await fetchItems(prosody.current.service, "sensors/gen/n");
    const deaths = logsOf(bed, "xmpp connection lost").map((l) => l["streamError"]);
    const attempts = logsOf(bed, "xmpp reconnect scheduled").slice(scheduledBefore).map((l) => l["attempt"]);
    const setAsideLines = logsOf(bed, "reading set aside: the pubsub service cannot take it; the rest keeps flowing");
    console.log(JSON.stringify({ delivered: status.delivered - before, setAside: status.setAside, deaths, attempts, reason: status.lastSetAside?.reason }));
    console.log(formatStatus(bed.agent.status()));

    expect(stored.map((i) => i.value).sort((a, b) => (a as number) - (b as number))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(status.delivered - before).toBe(10);
    expect(status.setAside).toBe(1);
    expect(status.lastSetAside?.reason).toBe("the server closed the stream (policy-violation) each time this reading was sent alone");
    expect(setAsideLines).toHaveLength(1); // logged once
    expect(deaths.every((d) => d === "policy-violation")).toBe(true);
    expect(deaths.length).toBeGreaterThanOrEqual(2);
    expect(deaths.length).toBeLessThanOrEqual(3); // 1 with several in flight + 2 alone: bounded
    // Each session died within seconds of coming up: the backoff did not start over at attempt 1.
    expect(attempts).toEqual(Array.from({ length: attempts.length }, (_, i) => i + 1));
    expect(formatStatus(bed.agent.status())).toMatch(/^pubsub: connected, 0 pending, \d+ delivered, 0 dropped, 1 set aside/m);
  }, 120_000);
});

describe("fault: a reading with a control character left in the durable outbox by an older version", () => {
  let prosody: RestartableProsody;
  let bed: FaultAgent | undefined;
  const outboxDir = mkdtempSync(join(tmpdir(), "xmpp-iot-outbox-"));

  beforeAll(async () => {
    prosody = await startRestartableProsody();
    const outbox = openOutbox({ log: pino({ level: "silent" }) }, "pubsub", { path: outboxDir, maxReadings: 1000, syncIntervalMs: 0 }, 1000);
    outbox.push({ device: "kv", channel: "s", value: "a\u0001b", time: Date.now() / 1000, id: "old-1" });
    outbox.push({ device: "kv", channel: "s", value: "after", time: Date.now() / 1000, id: "old-2" });
    await outbox.close();
  }, 60_000);

  afterAll(async () => {
    await bed?.stop();
    await prosody?.remove();
    removeDir(outboxDir);
  }, 30_000);

  it("is delivered with U+FFFD in place of the character instead of closing the stream on every start", async () => {
    bed = await startFaultAgent(prosody.current.service, {}, { outboxDir });
    await eventually(() => pubsubOf(bed!).pending === 0, "the recovered readings delivered", 30_000);
    const stored = await fetchItems(prosody.current.service, "sensors/kv/s");
    expect(stored.map((i) => i.value).sort()).toEqual(["a\uFFFDb", "after"].sort());
    expect(pubsubOf(bed).recovered).toBe(2);
    expect(logsOf(bed, "xmpp connection lost")).toEqual([]);
  }, 60_000);
});

describe("fault: a pubsub service that refuses the agent's readings", () => {
  let bed: TestBed | undefined;
  afterAll(async () => { await bed?.stop(); }, 30_000);

  it("sets each refused reading aside (counted, logged at a bound, in status) instead of retrying it forever", async () => {
    // The agent is not an admin of the pubsub component: Prosody refuses to create its nodes.
    bed = await startTestBed({ xmpp: { reconnectMinMs: 200 } }, { pubsubAdmins: [] });
    const agent = bed.agent;
    for (let i = 1; i <= 30; i++) agent.pipeline.process("gen", { channel: "n", value: i });
    const status = () => agent.sinks.find((s) => s.name === "pubsub")!.status() as ReturnType<TestBed["agent"]["sinks"][number]["status"]> & { setAside: number; lastSetAside?: { reason: string } };
    await eventually(() => status().pending === 0, "every reading delivered or set aside", 60_000);
    const lines = bed.logs.filter((l) => l.includes('"msg":"reading set aside'));
    console.log(JSON.stringify({ setAside: status().setAside, delivered: status().delivered, logLines: lines.length, reason: status().lastSetAside?.reason }));
    expect(status().setAside).toBe(30);
    expect(status().delivered).toBe(0);
    expect(status().lastSetAside?.reason).toMatch(/^refused by the pubsub service: forbidden \(/);
    expect(lines).toHaveLength(20); // the first 20, then one line per 1000
    expect(formatStatus(agent.status())).toMatch(/^pubsub: connected, 0 pending, 0 delivered, 0 dropped, 30 set aside$/m);
    expect(bed.logs.filter((l) => l.includes("xmpp connection lost"))).toEqual([]);
  }, 90_000);
});
