import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { startEjabberd, type EjabberdServer } from "../../src/ejabberd/server.js";
import { compare, removeDir, startFaultAgent, type FaultAgent } from "../faults/bed.js";
import { ACCOUNTS } from "../harness/agent.js";
import { runPython, type PythonRun } from "../harness/python.js";
import { eventually } from "../harness/wait.js";

const AGENT2_PASSWORD = "agent2-pw-1";
const NODES = { agent: ["site1/a/t", "site1/a/h"], agent2: ["site2/b/t", "site2/b/h"] };

/**
 * A fleet on a cluster (ejabberd-cluster.test.ts shows the join): two agents with their own
 * accounts on node 1, slixmpp on node 2 subscribed to all their nodes; every reading produced
 * after the subscription arrives there once and in order. Accounts, pubsub nodes and
 * subscriptions are cluster-wide (mnesia); notifications are routed between the nodes.
 */
describe("ejabberd cluster: two agents on node 1, every reading at a subscriber on node 2", () => {
  let node1: EjabberdServer;
  let node2: EjabberdServer;
  const agents: FaultAgent[] = [];
  let subscriber: PythonRun | undefined;

  beforeAll(async () => {
    const pubsubAdmins = ["agent@localhost", "agent2@localhost"];
    node1 = await startEjabberd({ pubsubAdmins });
    node2 = await startEjabberd({ pubsubAdmins, peer: node1 });
    node2.joinCluster(node1);
    // Registered on node 1 after the join: node 2 must know them through mnesia.
    node1.registerMany({ ...ACCOUNTS, agent2: AGENT2_PASSWORD });
  }, 180_000);

  afterAll(async () => {
    subscriber?.kill();
    for (const agent of agents) { await agent.stop(); removeDir(agent.outboxDir); }
    await node2?.stop();
    await node1?.stop();
    node2?.remove();
    node1?.remove();
  }, 60_000);

  it("is one cluster of two nodes, and node 2 delivers what node 1's agents publish", async () => {
    onTestFailed(() => { for (const a of agents) console.log(a.logs.slice(-20).join("\n")); console.log(JSON.stringify(subscriber?.lines.slice(-5))); });
    const cluster = node1.clusterNodes();
    expect(cluster).toEqual([node1.node, node2.node].sort());
    expect(node2.clusterNodes()).toEqual(cluster);
    console.log(JSON.stringify({ cluster, node1: node1.service, node2: node2.service }));

    const device = (id: string) => ({ id, driver: "simulated", intervalMs: 100, channels: {
      t: { unit: "Cel", waveform: "randomWalk", min: 0, max: 1000 }, h: { unit: "%RH", waveform: "randomWalk", min: 0, max: 1000 } } });
    agents.push(await startFaultAgent(node1.service, { pubsub: { nodePrefix: "site1/" }, devices: [device("a")] }));
    agents.push(await startFaultAgent(node1.service, { xmpp: { jid: "agent2@localhost", password: AGENT2_PASSWORD, resource: "pi2" }, pubsub: { nodePrefix: "site2/" }, devices: [device("b")] }));
    for (const a of agents) await eventually(() => (a.agent.sinks.find((s) => s.name === "pubsub")!.status().delivered) >= 10, "first readings published on node 1", 30_000);

    const nodes = [...NODES.agent, ...NODES.agent2];
    subscriber = runPython("slixmpp_subscriber.py", ["--jid", "bob@localhost", "--port", String(node2.port), "--service", "pubsub.localhost",
      ...nodes.flatMap((n) => ["--node", n]), "--no-tls", "--timeout", "60"], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    const ready = await subscriber.waitFor((l) => "subscribed" in l, 30_000);
    expect(ready["subscribed"]).toEqual(nodes);
    await sleep(3000);
    for (const a of agents) await a.agent.devices.stop();
    for (const a of agents) await eventually(() => a.agent.sinks.find((s) => s.name === "pubsub")!.status().pending === 0, "agent drained", 20_000);

    const received = () => subscriber!.lines.filter((l) => typeof l["id"] === "string").map((l) => ({ node: l["node"] as string, id: l["id"] as string }));
    const results = agents.map((a, i) => ({ a, prefix: i === 0 ? "site1/" : "site2/" }));
    await eventually(() => results.every(({ a, prefix }) => compare(a.recorder.readings, received(), prefix).missing.length === 0), "every reading at node 2's subscriber", 15_000).catch(() => undefined);
    for (const { a, prefix } of results) {
      const result = compare(a.recorder.readings, received(), prefix);
      console.log(JSON.stringify({ prefix, produced: a.recorder.readings.length, compared: result.compared, missing: result.missing.length, duplicates: result.duplicates }));
      expect(result.compared).toBeGreaterThan(20);
      expect(result.missing).toEqual([]);
      expect(result.outOfOrder).toEqual([]);
    }
  }, 120_000);
});
