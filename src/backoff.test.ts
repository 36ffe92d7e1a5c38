import { describe, expect, it } from "vitest";
import { backoffDelay, createBackoff } from "./backoff.js";

describe("backoff", () => {
  it("doubles from the minimum up to the cap, jitter within [d/2, d]", () => {
    const low = (attempt: number) => backoffDelay(attempt, { minMs: 1000, maxMs: 60_000, random: () => 0 });
    const high = (attempt: number) => backoffDelay(attempt, { minMs: 1000, maxMs: 60_000, random: () => 1 });
    expect([0, 1, 2, 3].map(low)).toEqual([500, 1000, 2000, 4000]);
    expect([0, 1, 2, 3].map(high)).toEqual([1000, 2000, 4000, 8000]);
    expect(high(40)).toBe(60_000);
    expect(low(40)).toBe(30_000);
  });
  it("starts over after reset", () => {
    const b = createBackoff({ minMs: 100, maxMs: 1000, random: () => 1 });
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
    b.reset();
    expect(b.next()).toBe(100);
  });
});
