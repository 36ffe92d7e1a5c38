import { describe, expect, it } from "vitest";
import { backoffDelay, createBackoff, createReconnectBackoff, STABLE_AFTER_MS } from "./backoff.js";

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

describe("reconnect backoff", () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, pass: (ms: number) => void (t += ms) };
  };

  it("starts over only after a link that stayed up STABLE_AFTER_MS", () => {
    const time = clock();
    const b = createReconnectBackoff({ reconnectMinMs: 100, reconnectMaxMs: 10_000 }, { random: () => 1, now: time.now });
    expect([b.next(), b.next()]).toEqual([100, 200]);
    b.up();
    time.pass(STABLE_AFTER_MS - 1);
    expect(b.next()).toBe(400);
    b.up();
    time.pass(STABLE_AFTER_MS);
    expect(b.next()).toBe(100);
    expect(b.attempts).toBe(1);
  });

  it("a failed attempt after a stable link does not count that link again", () => {
    const time = clock();
    const b = createReconnectBackoff({ reconnectMinMs: 100, reconnectMaxMs: 10_000 }, { random: () => 1, now: time.now, stableAfterMs: 50 });
    b.up();
    time.pass(50);
    expect([b.next(), b.next(), b.next()]).toEqual([100, 200, 400]);
  });

  it("reads a max below the min as the min", () => {
    const b = createReconnectBackoff({ reconnectMinMs: 500, reconnectMaxMs: 100 }, { random: () => 1 });
    expect([b.next(), b.next()]).toEqual([500, 500]);
  });
});
