import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConnection } from "../../src/xmpp/connection.js";
import { createLogger } from "../../src/logging/log.js";
import { SERVER_KINDS, startServer } from "../harness/servers.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { eventually } from "../harness/wait.js";

const NODE = "sensors/counter/n";
describe.each(SERVER_KINDS)("a %s that goes away and comes back", (kind) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({
      xmpp: { reconnectMinMs: 200, reconnectMaxMs: 1000 },
      pubsub: { maxItems: 1000 },
      devices: [{ id: "counter", driver: "simulated", intervalMs: 100, channels: { n: { unit: "count", waveform: "sine", min: 0, max: 100 } } }],
    }, { kind });
  }, 60_000);
  afterAll(async () => { await bed?.stop(); });

  it("queues readings while the server is down and publishes them after the reconnect", async () => {
    const pubsub = () => bed.agent.status().sinks.find((s) => s.name === "pubsub")!;
    await eventually(() => pubsub().delivered, "first deliveries", 10_000, { until: (n) => n > 5 });
    const { port, dir } = bed.server;
    await bed.server.stop();
    await eventually(() => !bed.agent.connection.isOnline(), "the agent to notice", 5000);
    await new Promise((r) => setTimeout(r, 1500));
    const queued = pubsub().pending;
    expect(queued).toBeGreaterThan(5);
    expect(bed.agent.status().connected).toBe(false);

    const restarted = await startServer(kind, { port, dir, pubsubAdmins: ["agent@localhost"] });
    try {
      await eventually(() => bed.agent.connection.isOnline(), "reconnect", 15_000);
      // Generous: on a loaded 2-core machine Prosody answers slowly (the stall bound is in test/faults/restart-in-flight.test.ts).
      await eventually(() => pubsub().pending, "the queue to drain", 60_000, { until: (n) => n === 0 });
      const produced = bed.agent.pipeline.stats().accepted;
      expect(pubsub().dropped).toBe(0);
      expect(pubsub().delivered).toBeGreaterThanOrEqual(produced - 2);
      expect(bed.logs.some((l) => l.includes("xmpp reconnect scheduled"))).toBe(true);

      // What the node stores: every reading since the start has its own item (max_items 1000).
      const alice = createConnection({ log: createLogger({ level: "silent" }) }, {
        service: restarted.service, domain: "localhost", username: "alice", password: ACCOUNTS.alice, resource: "check",
        tlsRequired: false, reconnectMinMs: 1000, reconnectMaxMs: 1000, pingIntervalMs: 60_000, pingTimeoutMs: 5000,
      });
      await alice.start(new AbortController().signal);
      const result = await alice.request(xml("iq", { type: "get", to: restarted.pubsubJid },
        xml("pubsub", { xmlns: "http://jabber.org/protocol/pubsub" }, xml("items", { node: NODE }))));
      const items = result.getChild("pubsub")?.getChild("items")?.getChildren("item") ?? [];
      await alice.stop();
      expect(items.length).toBeGreaterThanOrEqual(pubsub().delivered - 2);
    } finally {
      await restarted.stop();
    }
  });
});
