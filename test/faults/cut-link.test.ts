import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import xml from "@xmpp/xml";
import pino from "pino";
import { createConnection } from "../../src/xmpp/connection.js";
import { runPython, type PythonRun } from "../harness/python.js";
import { ACCOUNTS, compare, type FaultAgent, type RestartableProsody, startFaultBed, type FaultBed, printLogOnFailure } from "./bed.js";
import { blackhole, msToNoticeDropped } from "../harness/blackhole.js";
import type { FaultProxy } from "../harness/proxy.js";
import { SERVER_KINDS } from "../harness/servers.js";
import { eventually } from "../harness/wait.js";

const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 1500;
/** The longest silence a link whose server's host still acknowledges our bytes gets (liveness.ts). */
const BUSY_SILENCE_MS = 6 * PING_TIMEOUT_MS;
const NODES = ["sensors/g/t", "sensors/g/h"];

/**
 * (b) A proxy between agent and Prosody cuts the link three times, once goes silent without closing
 * (a hung server: its host still acknowledges every byte), and once its packets are dropped (a
 * half-open link: nothing gets through). The agent must notice the dropped link within ping
 * interval + timeout, the hung server within ping interval + 6 x timeout, and slixmpp, subscribed
 * directly to Prosody, must get every reading the pipeline produced, in order.
 */
describe.each(SERVER_KINDS)("fault: cut and half-open links (%s)", (kind) => {
  let prosody: RestartableProsody;
  let proxy: FaultProxy;
  let bed: FaultAgent;
  let fault: FaultBed;
  let subscriber: PythonRun | undefined;

  beforeAll(async () => {
    fault = await startFaultBed({ kind, proxied: true }, () => ({
      xmpp: { pingIntervalMs: PING_INTERVAL_MS, pingTimeoutMs: PING_TIMEOUT_MS },
      devices: [{ id: "g", driver: "simulated", intervalMs: 40, channels: {
        t: { unit: "Cel", waveform: "randomWalk", min: 0, max: 1000 }, h: { unit: "%RH", waveform: "randomWalk", min: 0, max: 1000 } } }],
    }));
    ({ prosody, proxy, bed } = fault);
  }, 60_000);

  afterAll(async () => {
    subscriber?.kill();
    await fault?.stop();
  }, 30_000);

  const online = (): boolean => bed.agent.connection.isOnline();
  const pubsub = () => bed.agent.sinks.find((s) => s.name === "pubsub")!.status();

  it("loses nothing across three cuts and a half-open link, and notices the silence in time", async () => {
    printLogOnFailure(bed.logs, 60);
    const wire: string[] = [];
    if (process.env["FAULT_WIRE"]) {
      const entity = (bed.agent.connection.iqCaller as unknown as { entity: NodeJS.EventEmitter & { socket: NodeJS.EventEmitter; write(s: string): Promise<void> } }).entity;
      const write = entity.write.bind(entity);
      entity.on("connect", () => entity.socket.on("data", (d: Buffer) => wire.push(`${Date.now()} IN  ${d.toString()}`)));
      entity.write = (s) => { wire.push(`${Date.now()} OUT ${s}`); return write(s); };
      onTestFailed(() => console.log(wire.slice(-300).map((l) => l.slice(0, 600)).join("\n")));
    }
    await eventually(() => pubsub().delivered >= 10, "first readings published (nodes created)", 20_000);
    subscriber = runPython("slixmpp_subscriber.py", ["--jid", "bob@localhost", "--port", String(prosody.port), "--service", "pubsub.localhost",
      ...NODES.flatMap((n) => ["--node", n]), "--no-tls", "--timeout", "60"], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    const ready = await subscriber.waitFor((l) => "subscribed" in l, 20_000);
    expect(ready["subscribed"]).toEqual(NODES);
    // Compared from here: items published while the subscription was being made may or may not be
    // notified (ejabberd broadcasts asynchronously, and the on-subscribe last item comes first).
    const subscribedAt = bed.recorder.readings.length;

    for (let cut = 0; cut < 3; cut++) {
      await sleep(700);
      const before = proxy.accepted;
      proxy.cut();
      await eventually(() => !online(), "the agent sees the cut", 2000);
      await eventually(() => online() && proxy.accepted > before, "the agent back online", 10_000);
    }

    await sleep(700);
    let accepted = proxy.accepted;
    const silencedAt = Date.now();
    proxy.silence();
    await eventually(() => !online(), "the agent gives up on the hung server", 2 * (PING_INTERVAL_MS + BUSY_SILENCE_MS));
    const hungNoticedAfterMs = Date.now() - silencedAt;
    expect(hungNoticedAfterMs).toBeGreaterThan(PING_TIMEOUT_MS);
    expect(hungNoticedAfterMs).toBeLessThanOrEqual(PING_INTERVAL_MS + BUSY_SILENCE_MS + 1000);
    expect(bed.logs.some((l) => l.includes("its host acknowledges every byte"))).toBe(true);
    await eventually(() => online() && proxy.accepted > accepted, "the agent reconnects after the hung server", 10_000);
    await sleep(700);

    accepted = proxy.accepted;
    const noticedAfterMs = await msToNoticeDropped(proxy.port, () => !online(), 3 * (PING_INTERVAL_MS + PING_TIMEOUT_MS));
    expect(noticedAfterMs).toBeLessThanOrEqual(PING_INTERVAL_MS + PING_TIMEOUT_MS + 500);
    await eventually(() => online() && proxy.accepted > accepted, "the agent reconnects after the half-open link", 15_000);
    await sleep(700);

    await bed.agent.devices.stop();
    await eventually(() => pubsub().pending === 0, "outbox drained", 20_000);
    const produced = bed.recorder.readings.slice(subscribedAt);
    const received = () => subscriber!.lines.filter((l) => typeof l["id"] === "string").map((l) => ({ node: l["node"] as string, id: l["id"] as string }));
    await eventually(() => compare(produced, received()).missing.length === 0, "every reading at the subscriber", 10_000).catch(() => undefined);
    const result = compare(produced, received());
    const status = pubsub();
    const resumedCount = bed.logs.filter((l) => l.includes('"resumed":true')).length;
    console.log(JSON.stringify({ produced: produced.length, compared: result.compared, missing: result.missing.length, duplicates: result.duplicates,
      outOfOrder: result.outOfOrder, hungNoticedAfterMs, noticedAfterMs, connections: proxy.accepted, resumed: resumedCount, status }));
    expect(result.compared).toBeGreaterThan(100);
    expect(result.missing).toEqual([]);
    expect(result.outOfOrder).toEqual([]);
    expect(status).toMatchObject({ pending: 0, dropped: 0, rejected: 0 });
    expect(status.delivered).toBe(bed.recorder.readings.length);
    // XEP-0198 resumption: the cuts were resumed, and a resumed stream resends nothing twice.
    expect(resumedCount).toBeGreaterThanOrEqual(3);
    expect(result.duplicates).toBe(0);
    expect(bed.logs.filter((l) => l.includes("acknowledged"))).toEqual([]);
  }, 120_000);

  it("a stanza sent to the agent while its link is cut or silent arrives exactly once, after the resumption", async () => {
    const alice = createConnection({ log: pino({ level: "silent" }) }, {
      service: prosody.current.service, domain: "localhost", username: "alice", password: ACCOUNTS.alice, resource: "phone", tlsRequired: false,
      reconnectMinMs: 500, reconnectMaxMs: 1000, pingIntervalMs: 60_000, pingTimeoutMs: 10_000, streamManagement: false,
    });
    // Counted where the agent receives them, below any command policy.
    const arrived = new Map<string, number>();
    bed.agent.connection.events.on("stanza", (stanza) => {
      const id = stanza.attrs["id"] as string | undefined;
      if (id?.startsWith("fault-")) arrived.set(id, (arrived.get(id) ?? 0) + 1);
    });
    onTestFailed(() => console.log(JSON.stringify(Object.fromEntries(arrived)), bed.logs.filter((l) => !l.includes('"part":"devices"')).slice(-25).join("\n")));
    await alice.start(new AbortController().signal);
    try {
      // XEP-0199 ping to the agent's full JID: the agent must get it once and its answer must come back.
      const ping = (id: string) => alice.request(xml("iq", { type: "get", to: "agent@localhost/agent", id }, xml("ping", { xmlns: "urn:xmpp:ping" })), 20_000);
      const message = (id: string) => alice.send(xml("message", { to: "agent@localhost/agent", type: "chat", id }, xml("body", {}, "help")));
      await ping("fault-before");

      // Cut: Prosody sees the close, keeps the session hibernated (XEP-0198 section 5) and queues
      // what arrives for it; the agent resumes and gets it from the server's unacknowledged queue.
      let accepted = proxy.accepted;
      proxy.cut();
      await eventually(() => !online(), "the agent sees the cut", 2000);
      const duringCut = ping("fault-ping-cut");
      await message("fault-msg-cut");
      await eventually(() => online() && proxy.accepted > accepted, "the agent back", 10_000);
      await duringCut;

      // Half-open link: Prosody writes into the void; only the resumption's h tells it the agent
      // never got those stanzas, and it sends them again on the new connection.
      accepted = proxy.accepted;
      const dropped = blackhole(proxy.port);
      let duringSilence: Promise<unknown> = Promise.resolve();
      try {
        await sleep(200);
        duringSilence = ping("fault-ping-silence");
        await message("fault-msg-silence");
        await eventually(() => !online(), "the agent notices the half-open link", 3 * (PING_INTERVAL_MS + PING_TIMEOUT_MS));
      } finally {
        dropped.lift();
      }
      await eventually(() => proxy.accepted > accepted && online(), "the agent back after the half-open link", 15_000);
      await duringSilence;
      await sleep(1500); // a duplicate would be here by now
      console.log(JSON.stringify({ arrivedAtAgent: Object.fromEntries(arrived) }));
      expect(Object.fromEntries(arrived)).toEqual({ "fault-before": 1, "fault-ping-cut": 1, "fault-msg-cut": 1, "fault-ping-silence": 1, "fault-msg-silence": 1 });
      expect(bed.logs.filter((l) => l.includes("acknowledged"))).toEqual([]);
    } finally {
      await alice.stop();
    }
  }, 60_000);
});
