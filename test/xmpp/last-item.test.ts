import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/log.js";
import { createWatcher, type WatchedReading } from "../../src/watch/watcher.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { SERVER_KINDS } from "../harness/servers.js";
import { eventually } from "../harness/wait.js";

const NODES = ["sensors/greenhouse/temperature", "sensors/greenhouse/lamp"];

/**
 * pubsub#send_last_published_item = on_sub (src/xmpp/pubsub-nodes.ts): a watcher that subscribes
 * to nodes nobody publishes to any more gets each node's last item exactly once. ejabberd's default
 * (on_sub_and_presence) sent it twice: on the subscription and again on the watcher's presence.
 */
describe.each(SERVER_KINDS)("the last item on subscription, once (%s)", (kind) => {
  let bed: TestBed;
  beforeAll(async () => {
    bed = await startTestBed({
      devices: [{ id: "greenhouse", driver: "simulated", intervalMs: 200, channels: {
        temperature: { unit: "Cel", waveform: "sine", min: 15, max: 30, periodMs: 5000 },
        lamp: { type: "boolean", writable: true, value: true },
      } }],
    }, { kind });
  }, 60_000);
  afterAll(async () => { await bed?.stop(); });

  it("delivers each node's last item once to a new watcher, and nothing twice", async () => {
    const pubsub = () => bed.agent.status().sinks.find((s) => s.name === "pubsub")!;
    // Best effort: what follows checks what was published.
    await eventually(() => pubsub().delivered, "six readings delivered", 20_000, { until: (n) => n >= 6 }).catch(() => undefined);
    await bed.agent.stop(); // nothing is published from here on: all a watcher gets is the last item
    expect(pubsub().pending).toBe(0);

    // Twice: the second watcher comes back to subscriptions that already exist (a watcher restart
    // or reconnect), where a presence-triggered copy would come on top of the subscription's.
    for (const round of ["first watcher", "watcher restarted"]) {
      const received: WatchedReading[] = [];
      const watcher = createWatcher({ log: createLogger({ level: "silent" }), onReading: (r) => received.push(r) }, {
        service: bed.server.service, jid: "bob@localhost", password: ACCOUNTS.bob, tlsRequired: false,
        pubsub: bed.server.pubsubJid, prefix: "sensors/", discoverEveryMs: 60_000,
      });
      await watcher.start(new AbortController().signal);
      try {
        await eventually(() => watcher.subscribed().length, "every node subscribed", 20_000, { until: (n) => n >= NODES.length });
        expect([...watcher.subscribed()].sort(), round).toEqual([...NODES].sort());
        await sleep(2500); // a second copy would come within this
      } finally {
        await watcher.stop();
      }
      expect(received.map((r) => r.node).sort(), round).toEqual([...NODES].sort());
    }
  });
});
