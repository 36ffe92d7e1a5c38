import { getHeapStatistics } from "node:v8";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createHeapGovernor, defaultHeapSlackMb } from "./heap-governor.js";

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
    governor = createHeapGovernor({ log }, { slackBytes: 2 * MB, checkEveryMs: 10, minGapMs: 20, maxTimeShare: 1, maxBusyShare: 1 });
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
    governor = createHeapGovernor({ log }, { slackBytes: 1 * MB, checkEveryMs: 5, minGapMs: 100, maxTimeShare: 1, maxBusyShare: 1 });
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

  it("spends at most maxTimeShare of the time in forced collections", async () => {
    governor = createHeapGovernor({ log }, { slackBytes: 1 * MB, checkEveryMs: 2, minGapMs: 0, maxTimeShare: 0.05, maxBusyShare: 1 });
    governor.start();
    const kept: object[][] = [garbage(20)]; // a heap big enough that a full GC takes milliseconds
    const startedAt = Date.now();
    while (Date.now() - startedAt < 600) {
      let churn: object[] | undefined = garbage(2);
      churn = undefined;
      await sleep(2);
      expect(churn).toBeUndefined();
    }
    const elapsed = Date.now() - startedAt;
    const { collections, pauseMsTotal } = governor.stats();
    expect(collections).toBeGreaterThanOrEqual(2);
    // Each pause buys pause / share of quiet, so the total is at most share x elapsed plus the last
    // pause (allowed twice the mean, plus 50 ms for a loaded machine; unbounded, this printed 300 ms
    // against a bound of 130).
    const perPause = pauseMsTotal / collections;
    expect(pauseMsTotal).toBeLessThanOrEqual(0.05 * elapsed + 2 * perPause + 50);
    expect(kept.length).toBe(1);
  });

  it("leaves a busy event loop alone and collects once it quiets down", async () => {
    governor = createHeapGovernor({ log }, { slackBytes: 1 * MB, checkEveryMs: 20, minGapMs: 0, maxTimeShare: 1, maxBusyShare: 0.5 });
    governor.start();
    const startedAt = Date.now();
    // Kept, so V8's own collections cannot bring the heap back under the slack behind our back.
    const held: object[][] = [];
    while (Date.now() - startedAt < 400) {
      held.push(garbage(1));
      const spinUntil = Date.now() + 30;
      while (Date.now() < spinUntil) { /* a burst: the loop is ~95 % busy */ }
      await sleep(1);
    }
    expect(getHeapStatistics().used_heap_size - governor.stats().liveBytes).toBeGreaterThan(4 * MB);
    expect(governor.stats().collections).toBe(1); // the baseline only
    await sleep(150);
    expect(governor.stats().collections).toBeGreaterThanOrEqual(2);
    expect(held.length).toBeGreaterThan(5);
  });

  it("defaults to 2 MB only when node runs without its optimizing compiler", () => {
    expect(defaultHeapSlackMb(["--max-semi-space-size=1", "--optimize-for-size", "--no-opt"])).toBe(2);
    expect(defaultHeapSlackMb(["--jitless"])).toBe(2);
    expect(defaultHeapSlackMb([])).toBe(0);
    expect(defaultHeapSlackMb(["--max-semi-space-size=1", "--optimize-for-size"])).toBe(0);
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
