import { describe, expect, it } from "vitest";
import type { OutboxEntry } from "../outbox/index.js";
import { createPoisonFinder, STRIKES } from "./poison.js";

const entry = (seq: number): OutboxEntry => ({ seq, acceptedAt: 0, reading: { device: "d", channel: "c", value: seq, time: 0, id: String(seq) } });

describe("createPoisonFinder", () => {
  it("after a death with several in flight probes through the newest, then convicts the one that dies alone twice", () => {
    const finder = createPoisonFinder();
    expect(finder.onStreamDeath("not-well-formed", [entry(3), entry(4), entry(5)])).toBeUndefined();
    expect(finder.probing).toBe(true);
    finder.settled(3); // acknowledged alone: innocent
    expect(finder.onStreamDeath("not-well-formed", [entry(4)])).toBeUndefined();
    expect(STRIKES).toBe(2);
    expect(finder.onStreamDeath("not-well-formed", [entry(4)])?.seq).toBe(4);
    finder.settled(4);
    expect(finder.probing).toBe(true); // 5 was in flight at the first death
    finder.settled(5);
    expect(finder.probing).toBe(false);
  });

  it("ignores deaths without a stanza-caused stream error, and strikes start over for a different entry", () => {
    const finder = createPoisonFinder();
    expect(finder.onStreamDeath(undefined, [entry(1)])).toBeUndefined();
    expect(finder.onStreamDeath("system-shutdown", [entry(1)])).toBeUndefined();
    expect(finder.probing).toBe(false);
    expect(finder.onStreamDeath("policy-violation", [entry(1)])).toBeUndefined();
    expect(finder.onStreamDeath("policy-violation", [entry(2)])).toBeUndefined();
    expect(finder.onStreamDeath("policy-violation", [entry(2)])?.seq).toBe(2);
  });
});
