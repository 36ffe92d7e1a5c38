import { getHeapStatistics } from "node:v8";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createHeapGovernor } from "./heap-governor.js";

// Real V8 in the test process: the governor exposes gc() itself, as it does in the agent.
const log = pino({ level: "silent" });
const MB = 1048576;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let governor: ReturnType<typeof createHeapGovernor> | undefined;
afterEach(() => governor?.stop());

/** About `mb` MB of small objects, the shape readings and stanzas have. */
function garbage(mb: number): object[] {
  return Array.from({ length: Math.round((mb * MB) / 64) }, (_, i) => ({ i, s: `x${i}` }));
}

describe("heap governor", () => {
  it("collects once the heap holds `slack` more than the last collection left, and the heap goes back down", async () => {
    governor = createHeapGovernor({ log }, { slackBytes: 2 * MB, checkEveryMs: 10, minGapMs: 20 });
    governor.start();
    const baseline = governor.stats();
    expect(baseline.collections).toBe(1);
    let held: object[] | undefined = garbage(8);
    const withGarbage = getHeapStatistics().used_heap_size;
    expect(withGarbage - baseline.liveBytes).toBeGreaterThan(4 * MB);
    held = undefined;
    await sleep(100);
    const after = governor.stats();
    expect(held).toBeUndefined();
    expect(after.collections).toBeGreaterThanOrEqual(2);
    expect(after.liveBytes).toBeLessThan(withGarbage - 4 * MB);
    expect(after.pauseMsTotal).toBeGreaterThan(0);
  });

  it("forces at most one collection per minGapMs while the live heap keeps growing", async () => {
    governor = createHeapGovernor({ log }, { slackBytes: 1 * MB, checkEveryMs: 5, minGapMs: 100 });
    governor.start();
    const kept: object[][] = [];
    const startedAt = Date.now();
    while (Date.now() - startedAt < 500) {
      kept.push(garbage(1)); // live, not garbage: every check sees the slack exceeded
      await sleep(5);
    }
    const elapsed = Date.now() - startedAt;
    const { collections, liveBytes } = governor.stats();
    expect(collections).toBeGreaterThanOrEqual(3);
    expect(collections).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 100) + 1);
    expect(liveBytes).toBeGreaterThan(10 * MB); // the baseline follows a heap that really grew
    expect(kept.length).toBeGreaterThan(10);
  });

  it("slack 0 turns it off: no collection, no timer", async () => {
    governor = createHeapGovernor({ log }, { slackBytes: 0, checkEveryMs: 5 });
    governor.start();
    let held: object[] | undefined = garbage(4);
    held = undefined;
    await sleep(30);
    expect(held).toBeUndefined();
    expect(governor.stats().collections).toBe(0);
  });
});
