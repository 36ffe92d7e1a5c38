import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.js";

describe("rate limiter", () => {
  it("allows a burst, warns once, then is silent until refilled", () => {
    let now = 0;
    const limiter = createRateLimiter({ burst: 2, perMinute: 6, now: () => now });
    expect(["a", "a", "a", "a", "b"].map((k) => limiter.take(k))).toEqual(["ok", "ok", "limited", "silent", "ok"]);
    now += 10_000; // 6/min: one token back after 10 s
    expect([limiter.take("a"), limiter.take("a")]).toEqual(["ok", "limited"]);
  });

  it("forgets the least recently seen keys past its bound", () => {
    const limiter = createRateLimiter({ burst: 1, perMinute: 1, maxKeys: 3, now: () => 0 });
    for (const key of ["a", "b", "c", "d"]) limiter.take(key);
    expect(limiter.size).toBe(3);
    expect(limiter.take("a")).toBe("ok"); // forgotten, so a fresh bucket
    expect(limiter.take("d")).toBe("limited");
  });
});
