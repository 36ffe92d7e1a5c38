import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS, startTestBed, type TestBed } from "../harness/agent.js";
import { runPython } from "../harness/python.js";
import { eventually } from "../harness/wait.js";

const FAST = ["sensors/fast/a", "sensors/fast/b"];
const SLOW = "sensors/slow/t";

describe("pubsub.batch: readings of a node packed into one SenML item", () => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await startTestBed({
      pubsub: { batch: { windowMs: 300, maxReadings: 5 } },
      devices: [
        { id: "fast", driver: "simulated", intervalMs: 20, channels: { a: { unit: "Cel", min: 10, max: 20 }, b: { unit: "%RH", min: 40, max: 60 } } },
        { id: "slow", driver: "simulated", intervalMs: 1000, channels: { t: { unit: "Cel", min: 0, max: 5 } } },
      ],
    });
  });
  afterAll(async () => { await bed?.stop(); });

  it("fills items up to maxReadings per node and sends a lone reading when its window ends", async () => {
    // Nodes are created on first publish; subscribing before the slow node exists would miss it.
    const ready = () => [...FAST, SLOW].every((n) => bed.logs.some((l) => l.includes('"pubsub node ready"') && l.includes(`"node":"${n}"`)));
    await eventually(ready, "every node ready", 15_000);
    expect(ready()).toBe(true);
    const subscriber = runPython("slixmpp_subscriber.py", [
      "--jid", "bob@localhost", "--port", String(bed.server.port), "--service", bed.server.pubsubJid,
      ...[...FAST, SLOW].flatMap((n) => ["--node", n]), "--count", "250", "--timeout", "30", "--no-tls", "--raw",
    ], { SUBSCRIBER_PASSWORD: ACCOUNTS.bob });
    expect((await subscriber.waitFor((l) => "subscribed" in l, 20_000))["subscribed"]).toEqual([...FAST, SLOW]);
    const { code, stderr } = await subscriber.exited;
    expect(code, stderr).toBe(0);

    const records = subscriber.lines.filter((l) => "n" in l);
    const items = new Map<string, Array<Record<string, unknown>>>();
    for (const r of records) {
      const key = `${r["node"]}#${r["id"]}`;
      items.set(key, [...(items.get(key) ?? []), r]);
    }
    const fastItems = [...items.entries()].filter(([k]) => k.startsWith("sensors/fast/")).map(([, rs]) => rs);
    const slowItems = [...items.entries()].filter(([k]) => k.startsWith(SLOW)).map(([, rs]) => rs);
    expect(fastItems.length).toBeGreaterThan(3);
    // Subscribed mid-stream, the first item may be partial; every other fast item is full.
    expect(fastItems.filter((rs) => rs.length === 5).length).toBeGreaterThanOrEqual(fastItems.length - 2);
    const range: Record<string, [number, number, string]> = { a: [10, 20, "Cel"], b: [40, 60, "%RH"] };
    const now = Date.now() / 1000;
    for (const rs of fastItems) {
      expect(rs.length).toBeLessThanOrEqual(5);
      expect(new Set(rs.map((r) => r["n"])).size).toBe(1); // one node, one channel per item
      const channel = rs[0]!["n"] as string;
      const [min, max, unit] = range[channel]!;
      // Resolved per RFC 8428 section 4.6, every record of a pack reads like a single record.
      for (const r of rs) {
        expect(r).toMatchObject({ node: `sensors/fast/${channel}`, name: `agent@localhost/fast/${channel}`, bn: "agent@localhost/fast/", u: unit });
        expect(r["v"]).toBeGreaterThanOrEqual(min);
        expect(r["v"]).toBeLessThanOrEqual(max);
        expect(Math.abs((r["t"] as number) - now)).toBeLessThan(120);
      }
      const times = rs.map((r) => r["t"] as number);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(times.at(-1)! - times[0]!).toBeLessThan(0.3 + 0.1); // within one window (+ timer slack)
      // On the wire: base fields on the first record, then only the value and a relative time.
      const raw = rs.map((r) => r["raw"] as Record<string, string>);
      if (rs.length > 1) {
        expect(raw[0]).toMatchObject({ bn: `agent@localhost/fast/${channel}`, bu: unit, bt: expect.stringMatching(/^\d+(\.\d{1,3})?$/) });
        expect(raw[0]!["n"]).toBeUndefined();
        expect(Number(raw[0]!["bt"])).toBeCloseTo(times[0]!, 3);
        for (const later of raw.slice(1)) {
          expect(Object.keys(later).filter((k) => k !== "t").sort()).toEqual(["v"]);
          if (later["t"] !== undefined) expect(later["t"]).toMatch(/^-?\d+(\.\d{1,3})?$/);
        }
      }
    }
    expect(slowItems.length).toBeGreaterThanOrEqual(1);
    for (const rs of slowItems) {
      expect(rs).toHaveLength(1); // 1 reading/s never fills 5: the 300 ms window sends it alone
      expect(rs[0]).toMatchObject({ name: "agent@localhost/slow/t", bn: "agent@localhost/slow/", n: "t", u: "Cel" });
      // A single-reading item keeps the full record form.
      expect(Object.keys(rs[0]!["raw"] as object).sort()).toEqual(["bn", "n", "t", "u", "v"]);
    }
    const status = bed.agent.status().sinks.find((s) => s.name === "pubsub")!;
    expect(status.delivered).toBeGreaterThan(records.length);
    expect(status.dropped).toBe(0);
  });
});
