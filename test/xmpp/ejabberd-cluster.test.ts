import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEjabberd, type EjabberdServer } from "../../src/ejabberd/server.js";
import { ACCOUNTS, agentLogin, runAgent, TEST_ACL, type InProcessAgent } from "../harness/agent.js";
import { runPython } from "../harness/python.js";
import { eventually } from "../harness/wait.js";

const NODES = ["sensors/field/moisture", "sensors/field/valve"];

/**
 * The way past one server is an existing distributed one: two ejabberd nodes on loopback joined
 * with `ejabberdctl join_cluster`, the agent on the first, an independent subscriber (slixmpp) on
 * the second receiving its items. Accounts and nodes live in mnesia, replicated to both nodes.
 */
describe("a two-node ejabberd cluster", () => {
  let first: EjabberdServer;
  let second: EjabberdServer;
  let agent: InProcessAgent | undefined;

  beforeAll(async () => {
    first = await startEjabberd({ pubsubAdmins: ["agent@localhost"], logLevel: "warning" });
    second = await startEjabberd({ pubsubAdmins: ["agent@localhost"], logLevel: "warning", peer: first });
    second.joinCluster(first);
    first.registerMany(ACCOUNTS); // on one node: the passwd table is replicated
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
    await second?.stop();
    await first?.stop(); // owns the epmd both nodes use: last
    first?.remove();
    second?.remove();
  });

  it("joins, and a subscriber on the second node gets what the agent publishes on the first", async () => {
    expect(first.clusterNodes()).toEqual([first.node, second.node].sort());
    expect(second.clusterNodes()).toEqual([first.node, second.node].sort());

    agent = await runAgent({
      xmpp: agentLogin(first.service),
      pubsub: { service: first.pubsubJid },
      acl: TEST_ACL,
      devices: [{ id: "field", driver: "simulated", intervalMs: 200, channels: {
        moisture: { unit: "%RH", waveform: "sine", min: 20, max: 60 }, valve: { type: "boolean", writable: true } } }],
    }, { logLevel: "info", onlineMs: 0 });
    const { lines } = agent;
    // Best effort: the subscriber below fails with its own message if a node never came.
    await eventually(() => lines.filter((l) => l.includes('"pubsub node ready"')).length, "both nodes ready", 20_000, { until: (n) => n >= NODES.length, everyMs: 100 })
      .catch(() => undefined);

    const subscriber = runPython("slixmpp_subscriber.py", [
      "--jid", "bob@localhost", "--port", String(second.port), "--service", second.pubsubJid,
      ...NODES.flatMap((n) => ["--node", n]), "--count", "10", "--timeout", "40", "--no-tls",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    const ready = await subscriber.waitFor((l) => "subscribed" in l, 30_000);
    expect(ready["subscribed"]).toEqual(NODES);
    const { code, stderr } = await subscriber.exited;
    expect(code, stderr).toBe(0);
    const records = subscriber.lines.filter((l) => "n" in l);
    expect(records.length).toBeGreaterThanOrEqual(10);
    for (const r of records) expect(r["bn"]).toBe("agent@localhost/field/");
    expect(new Set(records.map((r) => r["node"]))).toEqual(new Set(NODES));
  }, 120_000);
});
