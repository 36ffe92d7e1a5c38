import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython } from "../harness/python.js";
import { SERVER_KINDS } from "../harness/servers.js";
import { eventually } from "../harness/wait.js";

const NODE = "sensors/porch/light";

describe.each(SERVER_KINDS)("publishing to the agent's own PEP on %s (no pubsub service configured)", (kind) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({
      pubsub: { service: undefined },
      devices: [{ id: "porch", driver: "simulated", intervalMs: 200, channels: { light: { unit: "lx", waveform: "sine", min: 100, max: 200 } } }],
    }, { kind });
  }, 60_000);
  afterAll(async () => { await bed?.stop(); });

  it("creates the node on PEP and an ACL reader with a presence subscription receives SenML items", async () => {
    const subscriber = runPython("slixmpp_subscriber.py", [
      "--jid", "bob@localhost", "--port", String(bed.server.port), "--service", "agent@localhost",
      "--presence-subscribe", "agent@localhost", "--node", NODE, "--count", "3", "--timeout", "30", "--no-tls",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    const { code, stderr } = await subscriber.exited;
    expect(code, `${stderr}\n${JSON.stringify(subscriber.lines)}`).toBe(0);
    const records = subscriber.lines.filter((l) => "n" in l);
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const r of records) {
      expect(r).toMatchObject({ node: NODE, bn: "agent@localhost/porch/", n: "light", u: "lx" });
      expect(r["v"]).toBeGreaterThanOrEqual(100);
      expect(r["v"]).toBeLessThanOrEqual(200);
    }
    expect(bed.logs.some((l) => l.includes('"pubsub node ready"') && l.includes('"service":"PEP"'))).toBe(true);
  });
});

describe.each(SERVER_KINDS)("a pubsub service on %s that does not let the agent create nodes", (kind) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({
      devices: [{ id: "g", driver: "simulated", intervalMs: 200, channels: { t: { unit: "Cel" } } }],
    }, { pubsubAdmins: [], kind });
  }, 60_000);
  afterAll(async () => { await bed?.stop(); });

  it("logs a line that says what to put in the server config, and keeps running", async () => {
    await eventually(() => bed.logs.some((l) => l.includes("not allowed to create")), "the node creation refused and logged", 10_000);
    const line = bed.logs.find((l) => l.includes("not allowed to create"));
    expect(line).toContain(`Component \\"${bed.server.pubsubJid}\\" \\"pubsub\\"`);
    expect(line).toContain("access_createnode");
    expect(bed.agent.connection.isOnline()).toBe(true);
    expect(bed.agent.status().sinks[0]!.delivered).toBe(0);
  });
});
