import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython } from "../harness/python.js";
import { SERVER_KINDS } from "../harness/servers.js";
import { eventually } from "../harness/wait.js";

const NODES = ["sensors/greenhouse/temperature", "sensors/greenhouse/humidity", "sensors/greenhouse/lamp"];

describe.each(SERVER_KINDS)("simulated sensors through a real %s to an independent slixmpp subscriber", (kind) => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await startTestBed({
      devices: [{
        id: "greenhouse", driver: "simulated", intervalMs: 200,
        channels: {
          temperature: { unit: "Cel", waveform: "sine", min: 15, max: 30, periodMs: 5000 },
          humidity: { unit: "%RH", waveform: "randomWalk", min: 40, max: 90 },
          lamp: { type: "boolean", writable: true, value: true },
        },
      }],
    }, { kind });
  }, 60_000);
  afterAll(async () => { await bed?.stop(); });

  it("delivers SenML items with the right device, channel, unit and value range", async () => {
    // A subscription to a node the agent has not created yet is refused (item-not-found): on a
    // loaded machine the first publishes may come after the subscriber's login.
    await eventually(() => NODES.every((node) => bed.logs.some((l) => l.includes('"pubsub node ready"') && l.includes(`"node":"${node}"`))), "the three nodes created", 30_000);
    const subscriber = runPython("slixmpp_subscriber.py", [
      "--jid", "bob@localhost", "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
      ...NODES.flatMap((n) => ["--node", n]), "--count", "15", "--timeout", "30", "--no-tls",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    const ready = await subscriber.waitFor((l) => "subscribed" in l, 20_000);
    expect(ready["subscribed"], JSON.stringify(subscriber.lines)).toEqual(NODES);
    const { code, stderr } = await subscriber.exited;
    expect(code, stderr).toBe(0);

    const records = subscriber.lines.filter((l) => "n" in l);
    expect(records.length).toBeGreaterThanOrEqual(15);
    for (const r of records) expect(r["bn"]).toBe("agent@localhost/greenhouse/");
    const by = (n: string) => records.filter((r) => r["n"] === n);
    expect(by("temperature").length).toBeGreaterThanOrEqual(3);
    for (const r of by("temperature")) {
      expect(r["u"]).toBe("Cel");
      expect(r["node"]).toBe("sensors/greenhouse/temperature");
      expect(r["v"]).toBeGreaterThanOrEqual(15);
      expect(r["v"]).toBeLessThanOrEqual(30);
      expect(Math.abs((r["t"] as number) - Date.now() / 1000)).toBeLessThan(60);
    }
    for (const r of by("humidity")) {
      expect(r["u"]).toBe("%RH");
      expect(r["v"]).toBeGreaterThanOrEqual(40);
      expect(r["v"]).toBeLessThanOrEqual(90);
    }
    for (const r of by("lamp")) {
      expect(r["vb"]).toBe(true);
      expect(r).not.toHaveProperty("u");
    }
    const ids = records.map((r) => `${r["node"]}#${r["id"]}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses a subscription from a JID outside the ACL (whitelist node)", async () => {
    const stranger = runPython("slixmpp_subscriber.py", [
      "--jid", "mallory@localhost", "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
      "--node", NODES[0]!, "--timeout", "10", "--no-tls", // a loaded machine may need seconds to log in
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.mallory });
    const refused = await stranger.waitFor((l) => "subscribe_error" in l, 20_000);
    // XEP-0060 section 6.1.3.4 says not-allowed + closed-node; Prosody 0.12 answers forbidden.
    expect(["not-allowed", "forbidden"]).toContain(refused["condition"]);
    await stranger.exited;
    expect(stranger.lines.filter((l) => "n" in l)).toEqual([]);
  });

  it("sends only the publish-options the service takes, learnt from its answer, and loses nothing", () => {
    const learnt = bed.logs.map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l["msg"] === "the pubsub service does not take this publish-option; not sending it again (the node configuration still sets it)");
    // ejabberd 23.01 knows access_model and persist_items only; Prosody 0.12 takes all three.
    expect(learnt.map((l) => l["field"])).toEqual(kind === "ejabberd" ? ["pubsub#max_items"] : []);
    expect(bed.logs.filter((l) => l.includes('"reading rejected by the pubsub service"'))).toEqual([]);
    // The refusal answers every node's first publish alike: none of them is an overload.
    expect(bed.logs.filter((l) => l.includes("refused a publish as overloaded"))).toEqual([]);
    expect(bed.agent.status().sinks.find((s) => s.name === "pubsub")).toMatchObject({ dropped: 0, rejected: 0, window: 32 });
  });

  it("keeps the password out of the log, even at debug level", () => {
    const all = bed.logs.join("\n");
    // The agent logs its whole configuration at debug level; the password must be censored there.
    expect(all).toContain('"configuration loaded"');
    expect(all).toContain("[redacted]");
    expect(all).not.toContain(ACCOUNTS.agent);
  });

  it("answers disco#info with caps and reports health in status", () => {
    const status = bed.agent.status();
    expect(status.connected).toBe(true);
    expect(status.devices).toEqual([expect.objectContaining({ id: "greenhouse", state: "ok" })]);
    const pubsub = status.sinks.find((s) => s.name === "pubsub");
    expect(pubsub?.delivered).toBeGreaterThan(10);
    expect(pubsub?.dropped).toBe(0);
  });
});
