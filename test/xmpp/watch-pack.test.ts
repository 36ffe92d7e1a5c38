import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logging/log.js";
import { createWatcher, type WatchedReading } from "../../src/watch/watcher.js";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { eventually } from "../harness/wait.js";

/** `xmpp-iot watch` against a batched agent: packs with base fields resolve like single records. */
describe("watch: SenML packs resolved per RFC 8428 section 4.6", () => {
  let bed: TestBed;
  /** Epoch s when the agent was online: readings queued while it logged in rightly share a pack. */
  let onlineAt = 0;

  beforeAll(async () => {
    bed = await startTestBed({
      pubsub: { batch: { windowMs: 200, maxReadings: 4 } },
      devices: [
        { id: "fast", driver: "simulated", intervalMs: 20, channels: { a: { unit: "Cel", min: 10, max: 20 }, lamp: { type: "boolean" } } },
        { id: "slow", driver: "simulated", intervalMs: 1000, channels: { t: { unit: "%RH", min: 40, max: 60 } } },
      ],
    });
    onlineAt = Date.now() / 1000;
  });
  afterAll(async () => { await bed?.stop(); });

  it("shows device, channel, unit and absolute time for every record of a pack and of a single item", async () => {
    const seen: WatchedReading[] = [];
    const watcher = createWatcher({ log: createLogger({ level: "silent" }), onReading: (r) => seen.push(r) }, {
      service: bed.prosody.service, jid: "bob@localhost", password: ACCOUNTS.bob, tlsRequired: false,
      pubsub: bed.prosody.pubsubJid, prefix: "sensors/", discoverEveryMs: 300,
    });
    const stop = new AbortController();
    await watcher.start(stop.signal);
    try {
      const enough = () => ["a", "lamp"].every((c) => seen.filter((r) => r.channel === c).length >= 40) && seen.some((r) => r.device === "slow");
      await eventually(enough, "40 readings of a and lamp and one of the slow device", 30_000);
      expect(enough()).toBe(true);
    } finally {
      await watcher.stop();
      stop.abort();
    }
    const byItem = new Map<string, WatchedReading[]>();
    for (const r of seen) byItem.set(`${r.node}#${r.itemId}`, [...(byItem.get(`${r.node}#${r.itemId}`) ?? []), r]);
    expect([...byItem.values()].some((rs) => rs.length === 4)).toBe(true); // packs did arrive
    for (const r of seen) {
      expect(r.node).toBe(`sensors/${r.device}/${r.channel}`);
      expect(Math.abs(r.time! - r.receivedAt / 1000)).toBeLessThan(30);
      if (r.channel === "a") {
        expect(r).toMatchObject({ device: "fast", unit: "Cel" });
        expect(r.value).toBeGreaterThanOrEqual(10);
        expect(r.value).toBeLessThanOrEqual(20);
      } else if (r.channel === "lamp") {
        expect(r.device).toBe("fast");
        expect(typeof r.value).toBe("boolean");
        expect(r.unit).toBeUndefined();
      } else {
        expect(r).toMatchObject({ device: "slow", channel: "t", unit: "%RH" });
      }
    }
    for (const rs of byItem.values()) {
      const times = rs.map((r) => r.time!);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      if (times[0]! >= onlineAt) expect(times.at(-1)! - times[0]!).toBeLessThan(0.2 + 0.2); // one window (+ timer slack)
    }
  });
});
