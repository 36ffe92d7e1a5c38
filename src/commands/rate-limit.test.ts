import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.js";

describe("rate limiter", () => {
  it("never refuses 20 lines in a minute at the defaults (burst 20 per 10 s, 30/min), however they bunch up", () => {
    let now = 0;
    const limiter = createRateLimiter({ burst: 20, perMinute: 30, now: () => now });
    // 12 lines in 40 s, the first 11 within two seconds: the old bucket (burst 10, +0.5/s) refused the 11th.
    const times = [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000, 40_000];
    expect(times.map((t) => { now = t; return limiter.take("a"); })).toEqual(times.map(() => "ok"));
    // 20 in one go, a minute later.
    now = 120_000;
    expect(Array.from({ length: 20 }, () => limiter.take("b"))).toEqual(Array.from({ length: 20 }, () => "ok"));
  });

  it("refuses past the window and says when the next line is accepted; every refusal is answered up to a flood", () => {
    let now = 0;
    const limiter = createRateLimiter({ burst: 100, perMinute: 3, now: () => now });
    expect(["a", "a", "a"].map((k) => { now += 1000; return limiter.take(k); })).toEqual(["ok", "ok", "ok"]);
    now = 4000;
    expect(limiter.take("a")).toBe("limited");
    expect(limiter.retryInMs("a")).toBe(57_000); // the first line (t=1 s) leaves the window at 61 s
    expect([limiter.take("a"), limiter.take("a")]).toEqual(["limited", "limited"]);
    expect(limiter.take("a")).toBe("silent"); // 3 refusals answered this minute: a flood, dropped
    expect(limiter.take("b")).toBe("ok");
    now = 61_001;
    expect(limiter.take("a")).toBe("ok");
  });

  it("bounds a burst within 10 s", () => {
    let now = 0;
    const limiter = createRateLimiter({ burst: 2, perMinute: 30, now: () => now });
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual(["ok", "ok", "limited"]);
    expect(limiter.retryInMs("a")).toBe(10_000);
    now = 10_001;
    expect(limiter.take("a")).toBe("ok");
  });

  it("forgets the least recently seen keys past its bound", () => {
    const limiter = createRateLimiter({ burst: 1, perMinute: 1, maxKeys: 3, now: () => 0 });
    for (const key of ["a", "b", "c", "d"]) limiter.take(key);
    expect(limiter.size).toBe(3);
    expect(limiter.take("a")).toBe("ok"); // forgotten, so a fresh window
    expect(limiter.take("d")).toBe("limited");
  });
});
