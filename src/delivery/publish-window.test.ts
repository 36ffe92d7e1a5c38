import { describe, expect, it } from "vitest";
import { createPublishWindow } from "./publish-window.js";

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe("publish window: fewer publishes in flight while the server answers slowly", () => {
  it("starts at 4 and grows by one per quick answer (slow start) to the maximum", () => {
    const w = createPublishWindow({ max: 32 });
    expect(w.size).toBe(4);
    for (let i = 0; i < 28; i++) w.answered(2);
    expect(w.size).toBe(32);
  });

  it("stays full while answers come at the base round trip", () => {
    const c = clock();
    const w = createPublishWindow({ max: 32, now: c.now });
    for (let i = 0; i < 1000; i++) { c.advance(5); w.answered(5 + (i % 7)); }
    expect(w.size).toBe(32);
    expect(w.decreases).toBe(0);
  });

  it("halves once per round trip when the queueing delay passes the target, down to 1", () => {
    const c = clock();
    const w = createPublishWindow({ max: 32, now: c.now, targetDelayMs: 1000 });
    for (let i = 0; i < 28; i++) w.answered(10); // slow start from 4 to 32
    // 32 answers of one slow burst arrive within the same round trip: one halving.
    for (let i = 0; i < 32; i++) w.answered(2500);
    expect(w.size).toBe(16);
    for (let round = 0; round < 10; round++) { c.advance(2500); w.answered(2500); }
    expect(w.size).toBe(1);
  });

  it("grows by about one per window of quick answers after the server recovers", () => {
    const c = clock();
    const w = createPublishWindow({ max: 8, now: c.now, targetDelayMs: 1000 });
    w.answered(10);
    for (let round = 0; round < 5; round++) { c.advance(3000); w.answered(3000); }
    expect(w.size).toBe(1);
    let answers = 0;
    while (w.size < 8) { c.advance(10); w.answered(12); answers++; }
    // 1 + 2 + ... + 7 answers to climb from 1 to 8 (RFC 5681 congestion avoidance).
    expect(answers).toBe(28);
  });

  it("an overload refusal (resource-constraint, wait) goes to one in flight at once", () => {
    const w = createPublishWindow({ max: 32 });
    w.refused();
    expect(w.size).toBe(1);
  });

  it("follows a base round trip that rose for good (the minute minima age out)", () => {
    const c = clock();
    const w = createPublishWindow({ max: 4, now: c.now, targetDelayMs: 1000 });
    w.answered(5);
    // The route changed: 1.5 s round trips from now on. At first they look like queueing...
    for (let i = 0; i < 10; i++) { c.advance(1500); w.answered(1500); }
    expect(w.size).toBe(1);
    // ...after two minutes the old minimum is gone and the window grows back.
    for (let i = 0; i < 200; i++) { c.advance(1500); w.answered(1500); }
    expect(w.size).toBe(4);
  });
});
